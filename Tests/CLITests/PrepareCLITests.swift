import CNN
import Datasets
import Foundation
import Imaging
import TestSupport
import XCTest

/// `cnnclassify prepare`: labelled photos to IDX files, through exactly the preprocessing
/// `classify` gives each photo (checked against `classify --save-input`), with label sets where
/// a folder accepts several classes or none, and the photos that cannot be read left out and said.
final class PrepareCLITests: XCTestCase {
    private var work: TemporaryDirectory!

    override func setUp() { work = TemporaryDirectory() }
    override func tearDown() { work = nil }
    private var model: String { (repositoryRoot as NSString).appendingPathComponent("Models/fashion.cnnw") }
    private func sample(_ name: String) -> String { (repositoryRoot as NSString).appendingPathComponent("Samples/\(name)") }

    /// coat/ (a photo and a crop), shoes/ (a photo and a file that is no image), hat/ (a photo).
    private func makeTree() throws -> String {
        let root = work.file("photos")
        let plan = ["coat": ["coat-photo.jpg", "coat-crop.png"], "shoes": ["sneaker-photo.jpg"], "hat": ["t-shirt-photo.jpg"]]
        for (folder, names) in plan {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
            for name in names { try FileManager.default.copyItem(atPath: sample(name), toPath: "\(root)/\(folder)/\(name)") }
        }
        ImageFixtures.write(Array("not a photo".utf8), to: root + "/shoes/notes.txt")
        ImageFixtures.write(Array("folder\tclasses\ncoat\tCoat\nshoes\tSandal|Sneaker|Ankle boot\nhat\t-\n".utf8), to: work.file("mapping.tsv"))
        return root
    }

    func testPhotosBecomeWhatClassifyFeedsTheNetworkWithTheirLabelSets() throws {
        let root = try makeTree(), prefix = work.file("out/photos")
        try FileManager.default.createDirectory(atPath: work.file("out"), withIntermediateDirectories: true)
        let result = try CNNClassifyBinary.run(["prepare", root, "--mapping", work.file("mapping.tsv"), "--model", model, "--output", prefix])
        XCTAssertEqual(result.status, 1, "a photo left out makes the exit status 1")
        XCTAssertTrue(result.stderr.contains("cnnclassify: \(root)/shoes/notes.txt: not a PNG or JPEG image"), result.stderr)
        XCTAssertTrue(result.stdout.contains("coat: 2 photos, Coat"), result.stdout)
        XCTAssertTrue(result.stdout.contains("shoes: 1 photos, Sandal or Sneaker or Ankle boot"), result.stdout)
        XCTAssertTrue(result.stdout.contains("hat: 1 photos, none of these"), result.stdout)
        XCTAssertTrue(result.stdout.contains("4 photos, 1 left out"), result.stdout)

        let (images, checksums) = try PreparedImageFiles.read(prefix: prefix, classCount: 10)
        XCTAssertEqual(images.count, 4)
        XCTAssertEqual(Set(checksums.keys), ["photos-images-idx3-ubyte", "photos-label-sets-idx2-ubyte"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: PreparedImageFiles.labelsPath(prefix)))
        // Folders in sorted order, files in sorted order within them.
        XCTAssertEqual(images.sets, [LabelSet([4]), LabelSet([4]), .none, LabelSet([5, 7, 9])])
        let order = ["coat/coat-crop.png", "coat/coat-photo.jpg", "hat/t-shirt-photo.jpg", "shoes/sneaker-photo.jpg"].map { "\(root)/\($0)" }
        let saved = work.file("inputs")
        let classified = try CNNClassifyBinary.run(["--model", model, "--save-input", saved] + order)
        XCTAssertEqual(classified.status, 0, classified.stderr)
        let pngs = try FileManager.default.contentsOfDirectory(atPath: saved).sorted()
        XCTAssertEqual(pngs.count, 4)
        for (i, png) in pngs.enumerated() {
            let decoded = try ImageDecoder().decode(Array(try Data(contentsOf: URL(fileURLWithPath: saved + "/" + png))))
            XCTAssertEqual(Array(images.pixels[i * 784 ..< (i + 1) * 784]), decoded.pixels, "\(order[i]) as classify saw it")
        }
    }

    func testSingleClassFoldersGiveAPlainIDXPairAndReplaceAnEarlierLabelSetFile() throws {
        let root = try makeTree(), prefix = work.file("coats")
        ImageFixtures.write(Array("folder\tclasses\ncoat\tCoat\n".utf8), to: work.file("coats.tsv"))
        try FileManager.default.removeItem(atPath: root + "/shoes")
        try FileManager.default.removeItem(atPath: root + "/hat")
        ImageFixtures.write([0, 0, 8, 2], to: PreparedImageFiles.labelSetsPath(prefix))
        let result = try CNNClassifyBinary.run(["prepare", root, "--mapping", work.file("coats.tsv"), "--model", model, "--output", prefix])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: PreparedImageFiles.labelSetsPath(prefix)))
        XCTAssertEqual(try IDXReader.readLabels(PreparedImageFiles.labelsPath(prefix), classCount: 10).values, [4, 4])
    }

    func testTrainRefusesSharesThatLeaveNoRoomAndPrefixesWithoutLabels() throws {
        for (extra, message) in [("x:1.5", "the share of x is 1.5, not between 0 and 1"), ("x:0", "the share of x is 0.0, not between 0 and 1")] {
            let result = try CNNClassifyBinary.run(["train", "--extra", extra, "--output", work.file("m.cnnw")])
            XCTAssertEqual(result.status, 2)
            XCTAssertTrue(result.stderr.contains(message), result.stderr)
        }
        let both = try CNNClassifyBinary.run(["train", "--extra", "a:0.6", "--extra", "b:0.5", "--output", work.file("m.cnnw")])
        XCTAssertTrue(both.stderr.contains("the shares add up to 1.1"), both.stderr)
        let missing = try CNNClassifyBinary.run(["train", "--extra", work.file("none") + ":0.2", "--epochs", "1", "--limit", "10",
                                                 "--output", work.file("m.cnnw"), "--checkpoint-dir", work.file("ck")])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("has no label file"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.file("m.cnnw")))
    }
}
