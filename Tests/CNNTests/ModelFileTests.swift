import CNN
import Foundation
import TestSupport
import XCTest

final class ModelFileTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUp() { directory = TemporaryDirectory() }
    override func tearDown() { directory = nil }
    private let architecture = Architecture(name: "tiny", inputShape: [1, 4, 4], layers: [
        .conv2D(.init(filters: 2, kernelSize: 3)), .relu, .flatten, .dense(.init(outputs: 3)),
    ])

    private func writeModel() throws -> (String, [UInt8]) {
        let network = try Network(architecture)
        network.initialize(seed: 1)
        let path = directory.file("tiny.cnnw")
        try ModelFile.write(network, header: ModelHeader(architecture: architecture, classNames: ["a", "b", "c"]), to: path)
        return (path, Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    private func assertReadFails(_ bytes: [UInt8], containing expected: String, file: StaticString = #filePath, line: UInt = #line) {
        let path = directory.file("bad.cnnw")
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        XCTAssertThrowsError(try ModelFile.read(path), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix(path + ": "), message, file: file, line: line)
            XCTAssertTrue(message.contains(expected), "\(message) does not say \(expected)", file: file, line: line)
            XCTAssertFalse(message.contains("\n"), file: file, line: line)
        }
    }

    func testWritesNoTemporaryFilesAndReadsBack() throws {
        let (path, _) = try writeModel()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["tiny.cnnw"])
        XCTAssertEqual(try ModelFile.read(path).header.classNames, ["a", "b", "c"])
    }

    /// A flag with a feature distance keeps its class means and precision as two tensors; a file
    /// that names the rule without them, or with them in another shape, is refused.
    func testFeatureDistanceRoundTripsAndIsChecked() throws {
        let network = try Network(architecture)
        network.initialize(seed: 1)
        XCTAssertEqual(network.featureWidth, 8)
        var calibration = Calibration(temperature: 1.5, minimumConfidence: 0.6, maximumEnergy: -2)
        calibration.photoRules = .init(minimumConfidence: 0.8, maximumEnergy: -5, maximumDistance: 42)
        calibration.features = FeatureDistance(classes: 3, dimension: 8, means: (0..<24).map { Float($0) },
                                               precision: (0..<64).map { $0 % 9 == 0 ? 2 : 0 })
        var header = ModelHeader(architecture: architecture, classNames: ["a", "b", "c"])
        header.calibration = calibration
        let path = directory.file("flag.cnnw")
        try ModelFile.write(network, header: header, to: path)
        let read = try ModelFile.read(path)
        XCTAssertEqual(read.header.calibration, calibration)
        XCTAssertTrue(read.extraTensors.isEmpty)

        calibration.features = FeatureDistance(classes: 3, dimension: 4, means: [Float](repeating: 0, count: 12),
                                               precision: [Float](repeating: 1, count: 16))
        header.calibration = calibration
        try ModelFile.write(network, header: header, to: path)
        XCTAssertThrowsError(try ModelFile.read(path)) { error in
            XCTAssertTrue("\(error)".contains("calibration.feature-means of shape [3, 4], but the network needs [3, 8]"), "\(error)")
        }
        calibration.features = nil
        header.calibration = calibration
        try ModelFile.write(network, header: header, to: path)
        XCTAssertThrowsError(try ModelFile.read(path)) { error in
            XCTAssertTrue("\(error)".contains("has a feature-distance flag but no tensor calibration.feature-means"), "\(error)")
        }
    }

    /// The file is mapped rather than read: what is not a regular file, or holds nothing, is
    /// still one clean error, and the mapping is gone once the model is loaded.
    func testEmptyFilesFIFOsAndDirectoriesAreRefusedWhenRead() throws {
        assertReadFails([], containing: "wrong magic")
        let fifo = directory.file("fifo.cnnw")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let folder = directory.file("folder.cnnw")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        for (path, kind) in [(fifo, "a FIFO"), (folder, "a directory")] {
            XCTAssertThrowsError(try ModelFile.read(path)) { error in
                XCTAssertEqual("\(error)", "\(path): cannot be read (is \(kind), not a regular file)")
            }
        }
        let (path, _) = try writeModel()
        let first = try ModelFile.read(path).network
        try FileManager.default.removeItem(atPath: path)
        // The weights are the network's own, not a view of the file that was there.
        let (again, _) = try writeModel()
        XCTAssertEqual(again, path)
        for ((name, kept), (_, fresh)) in zip(first.savedTensors, try ModelFile.read(again).network.savedTensors) {
            XCTAssertEqual(Array(UnsafeBufferPointer(start: kept.data, count: kept.count)),
                           Array(UnsafeBufferPointer(start: fresh.data, count: fresh.count)), name)
        }
    }

    func testTruncatedFileIsRejected() throws {
        let (_, bytes) = try writeModel()
        for length in [2, 10, bytes.count / 2, bytes.count - 5] {
            assertReadFails(Array(bytes.prefix(length)), containing: length == 2 ? "wrong magic" : "truncated")
        }
    }

    func testCorruptedTensorIsRejected() throws {
        var (_, bytes) = try writeModel()
        bytes[bytes.count - 6] ^= 0x40  // inside the last tensor's values
        assertReadFails(bytes, containing: "corrupted (checksum mismatch)")
    }

    func testWrongMagicIsRejected() throws {
        var (_, bytes) = try writeModel()
        bytes[0] = UInt8(ascii: "P")
        assertReadFails(bytes, containing: "not a cnnclassify weight file")
    }

    func testFutureVersionIsRejected() throws {
        var (_, bytes) = try writeModel()
        bytes[4] = 9
        assertReadFails(bytes, containing: "format version 9")
    }

    func testShapeMismatchIsRejected() throws {
        // Tensors of a 4-output network under a header that describes 3 outputs.
        var other = architecture
        other.layers[3] = .dense(.init(outputs: 4))
        let network = try Network(other)
        let path = directory.file("mismatch.cnnw")
        try ModelFile.write(network, header: ModelHeader(architecture: architecture, classNames: ["a", "b", "c"]), to: path)
        XCTAssertThrowsError(try ModelFile.read(path)) { error in
            XCTAssertTrue("\(error)".contains("layer3.weight of shape [4, 8]"), "\(error)")
            XCTAssertTrue("\(error)".contains("needs [3, 8]"), "\(error)")
        }
    }

    func testMissingFileIsReported() {
        XCTAssertThrowsError(try ModelFile.read(directory.file("none.cnnw"))) { error in
            XCTAssertTrue("\(error)".contains("cannot be read"), "\(error)")
        }
    }

    func testUnwritableDestinationLeavesNothingBehind() throws {
        let network = try Network(architecture)
        let blocked = directory.file("blocked")
        XCTAssertTrue(FileManager.default.createFile(atPath: blocked, contents: Data()))
        XCTAssertThrowsError(try ModelFile.write(network, header: ModelHeader(architecture: architecture, classNames: ["a", "b", "c"]),
                                                 to: blocked + "/model.cnnw"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["blocked"])
    }

    /// A writer killed between writing and renaming leaves `PATH.PID.tmp`; the next write removes
    /// it when that process is gone, and leaves a live writer's file alone.
    func testTemporaryFilesOfDeadWritersAreRemoved() throws {
        let (path, _) = try writeModel()
        var dead: Int32 = 4_000_000
        while kill(dead, 0) == 0 || errno != ESRCH { dead -= 1 }
        let stale = "\(path).\(dead).tmp", live = "\(path).1.tmp"
        for leftover in [stale, live] { XCTAssertTrue(FileManager.default.createFile(atPath: leftover, contents: Data("half".utf8))) }
        _ = try writeModel()
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
        XCTAssertTrue(FileManager.default.fileExists(atPath: live), "process 1 is alive")
    }

    func testOnlyARegularFileIsReplaced() throws {
        let network = try Network(architecture)
        let header = ModelHeader(architecture: architecture, classNames: ["a", "b", "c"])
        let target = directory.file("target")
        XCTAssertTrue(FileManager.default.createFile(atPath: target, contents: Data("kept".utf8)))
        let link = directory.file("link.cnnw")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let fifo = directory.file("fifo.cnnw")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        for (path, kind) in [(link, "a symbolic link"), (fifo, "a FIFO")] {
            XCTAssertThrowsError(try ModelFile.write(network, header: header, to: path)) { error in
                XCTAssertEqual("\(error)", "\(path): is \(kind); only a regular file is replaced")
            }
        }
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "kept")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), target)
    }
}
