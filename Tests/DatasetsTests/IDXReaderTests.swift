import CNN
import CZlib
import Datasets
import Foundation
import TestSupport
import XCTest

final class IDXReaderTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUp() { directory = TemporaryDirectory() }
    override func tearDown() { directory = nil }

    private func write(_ bytes: [UInt8], _ name: String) -> String {
        let path = directory.file(name)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }

    private func assertFails(_ body: () throws -> Void, saying expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(expected), "\(error) does not say \(expected)", file: file, line: line)
            XCTAssertFalse("\(error)".contains("\n"), file: file, line: line)
        }
    }

    func testRoundTripPlainAndGzipped() throws {
        let pixels = (0..<2 * 3 * 4).map { UInt8($0 * 7 % 256) }
        for name in ["images.idx", "images.idx.gz"] {
            try IDXWriter.writeImages(pixels, count: 2, rows: 3, columns: 4, to: directory.file(name))
            let images = try IDXReader.readImages(directory.file(name))
            XCTAssertEqual([images.count, images.rows, images.columns], [2, 3, 4])
            XCTAssertEqual(images.pixels, pixels)
        }
        try IDXWriter.writeLabels([3, 1, 4], to: directory.file("labels.gz"))
        XCTAssertEqual(try IDXReader.readLabels(directory.file("labels.gz"), classCount: 10).values, [3, 1, 4])
    }

    func testHeaderIsBigEndian() throws {
        let path = write([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 10, 20, 30, 40], "handmade")
        let images = try IDXReader.readImages(path)
        XCTAssertEqual([images.count, images.rows, images.columns], [1, 2, 2])
        XCTAssertEqual(images.pixels, [10, 20, 30, 40])
    }

    func testWrongMagicNamesFileAndBothMagics() {
        let path = write([0, 0, 8, 1, 0, 0, 0, 1, 5], "labels-as-images")
        assertFails({ _ = try IDXReader.readImages(path) }, saying: "\(path): is not an IDX image file (magic 0x00000801, expected 0x00000803)")
    }

    func testTruncatedAndOversizedFiles() {
        let truncated = write([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3], "truncated")
        assertFails({ _ = try IDXReader.readImages(truncated) }, saying: "is truncated: its header promises 2 images of 2×2 (8 bytes) but 3 bytes follow")
        let header = write([0, 0, 8, 3, 0, 0], "short-header")
        assertFails({ _ = try IDXReader.readImages(header) }, saying: "truncated inside its header")
        let long = write([0, 0, 8, 1, 0, 0, 0, 1, 5, 6], "long")
        assertFails({ _ = try IDXReader.readLabels(long, classCount: 10) }, saying: "has 1 bytes more than its header's 1 labels")
    }

    func testLabelOutOfRange() {
        let path = write([0, 0, 8, 1, 0, 0, 0, 3, 1, 12, 2], "labels")
        assertFails({ _ = try IDXReader.readLabels(path, classCount: 10) }, saying: "has label 12 at index 1; labels must be 0–9")
    }

    func testLabelSetsRoundTripAndAreChecked() throws {
        let sets = [LabelSet([5, 7, 9]), .none, LabelSet([0])]
        try IDXWriter.writeLabelSets(sets, classCount: 10, to: directory.file("sets"))
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: directory.file("sets")))
        XCTAssertEqual(Array(bytes.prefix(12)), [0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 10])
        XCTAssertEqual(Array(bytes[12 ..< 22]), [0, 0, 0, 0, 0, 1, 0, 1, 0, 1])
        XCTAssertEqual(try IDXReader.readLabelSets(directory.file("sets"), classCount: 10).sets, sets)
        assertFails({ _ = try IDXReader.readLabelSets(directory.file("sets"), classCount: 8) },
                    saying: "has label sets over 10 classes; the network has 8")
        let two = write([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 0, 0, 2], "two")
        assertFails({ _ = try IDXReader.readLabelSets(two, classCount: 2) }, saying: "has 2 in the label set of image 1; each class is 1 (right) or 0")
        let short = write([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 0, 0], "short")
        assertFails({ _ = try IDXReader.readLabelSets(short, classCount: 2) }, saying: "is truncated: its header promises 2 label sets of 2 classes")
        let huge = write([0, 0, 8, 2, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF], "huge")
        assertFails({ _ = try IDXReader.readLabelSets(huge, classCount: 10) }, saying: "more than the")
    }

    func testDamagedGzip() throws {
        try IDXWriter.writeImages([UInt8](repeating: 9, count: 5000), count: 5, rows: 10, columns: 100, to: directory.file("ok.gz"))
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: directory.file("ok.gz"))))
        let path = write(Array(bytes.prefix(bytes.count - 12)), "cut.gz")
        assertFails({ _ = try IDXReader.readImages(path) }, saying: path)
    }

    func testMissingFileAndDirectory() {
        assertFails({ _ = try IDXReader.readImages(directory.file("nothing")) }, saying: "no such file")
        assertFails({ _ = try IDXReader.readImages(directory.path) }, saying: "is a directory")
    }

    func testImageAndLabelCountsMustAgree() throws {
        try IDXWriter.writeImages([UInt8](repeating: 0, count: 3 * 4), count: 3, rows: 2, columns: 2, to: directory.file("i"))
        try IDXWriter.writeLabels([1, 2], to: directory.file("l"))
        assertFails({ _ = try IDXDataset(imagesPath: self.directory.file("i"), labelsPath: self.directory.file("l"), classCount: 10) },
                    saying: "has 2 labels but \(directory.file("i")) has 3 images")
    }

    func testMissingDataSetSaysHowToInstallIt() {
        assertFails({ _ = try FashionMNIST.load(.train, from: self.directory.path) }, saying: "apt-get install dataset-fashion-mnist")
    }

    func testRealTrainingSet() throws {
        let data = try FashionMNIST.load(.train, from: try RealData.directory())
        XCTAssertEqual(data.count, 60000)
        XCTAssertEqual([data.images.rows, data.images.columns], [28, 28])
        // Every class has 6,000 training images.
        var counts = [Int](repeating: 0, count: 10)
        for label in data.labels.values { counts[Int(label)] += 1 }
        XCTAssertEqual(counts, [Int](repeating: 6000, count: 10))
        XCTAssertEqual(data.labels.values.prefix(5), [9, 0, 0, 3, 0])
    }
}

/// Data files crafted to hurt: sizes that overflow, gzip bombs, bytes after the stream, FIFOs.
final class HostileIDXTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUp() { directory = TemporaryDirectory() }
    override func tearDown() { directory = nil }

    private func header(_ magic: UInt32, _ dims: [UInt32]) -> [UInt8] {
        ([magic] + dims).flatMap { value in (0..<4).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    }

    /// `bytes` gzip-compressed as one member.
    private func gzip(_ bytes: [UInt8], _ name: String) -> String {
        let path = directory.file(name)
        let file = gzopen(path, "wb9")
        XCTAssertNotNil(file)
        XCTAssertEqual(bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }, Int32(bytes.count))
        XCTAssertEqual(gzclose(file), Z_OK)
        return path
    }

    private func assertRefused(_ path: String, saying expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try IDXReader.readImages(path), file: file, line: line) { error in
            XCTAssertTrue("\(error)".hasPrefix(path + ": "), "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(expected), "\(error) does not say \(expected)", file: file, line: line)
        }
    }

    func testDimensionsThatOverflowAreRefused() {
        let huge = header(IDXReader.imagesMagic, [1 << 31, 1 << 31, 1 << 31])
        let plain = directory.file("huge.idx")
        XCTAssertTrue(FileManager.default.createFile(atPath: plain, contents: Data(huge + [0, 0])))
        assertRefused(plain, saying: "more than can be counted")
        assertRefused(gzip(huge + [0, 0], "huge.gz"), saying: "more than can be counted")
        assertRefused(gzip(header(IDXReader.imagesMagic, [60_000_000, 28, 28]), "big.gz"), saying: "more than the 268435456 bytes")
    }

    func testAGzipBombStopsAtWhatItsHeaderPromises() throws {
        // 64 MB of zeros behind a header promising one 28×28 image: about 64 KB compressed.
        let bomb = gzip(header(IDXReader.imagesMagic, [1, 28, 28]) + [UInt8](repeating: 0, count: 64 << 20), "bomb.gz")
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: bomb)[.size] as? Int)
        XCTAssertLessThan(size, 200_000)
        assertRefused(bomb, saying: "inflates to more than the 800 bytes its header promises")
    }

    func testBytesAfterTheGzipStreamAreRefusedButAnotherMemberIsRead() throws {
        let pixels = [UInt8](repeating: 7, count: 2 * 3 * 4)
        let whole = header(IDXReader.imagesMagic, [2, 3, 4]) + pixels
        let path = gzip(whole, "ok.gz")
        let member = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let trailing = directory.file("trailing.gz")
        XCTAssertTrue(FileManager.default.createFile(atPath: trailing, contents: Data(member + Array("garbage".utf8))))
        assertRefused(trailing, saying: "has 7 bytes after its gzip stream")
        // The same data split over two gzip members, as `cat a.gz b.gz` makes: one file.
        let first = Array(try Data(contentsOf: URL(fileURLWithPath: gzip(Array(whole.prefix(20)), "a.gz"))))
        let second = Array(try Data(contentsOf: URL(fileURLWithPath: gzip(Array(whole.dropFirst(20)), "b.gz"))))
        let joined = directory.file("joined.gz")
        XCTAssertTrue(FileManager.default.createFile(atPath: joined, contents: Data(first + second)))
        XCTAssertEqual(try IDXReader.readImages(joined).pixels, pixels)
    }

    func testAFIFOIsRefusedWithoutWaiting() {
        let path = directory.file("images.fifo")
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        assertRefused(path, saying: "is a FIFO, not a regular file")
    }
}
