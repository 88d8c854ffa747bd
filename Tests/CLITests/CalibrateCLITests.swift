import CNN
import Foundation
import TestSupport
import XCTest

/// `cnnclassify calibrate`: the shipped model's flag refitted on a few prepared photos and
/// synthetic validation images keeps the temperature, the weights and the crops' rule as
/// training fits it, and writes rules for photos; bad arguments and missing files are refused.
final class CalibrateCLITests: XCTestCase {
    private var work: TemporaryDirectory!

    override func setUp() { work = TemporaryDirectory() }
    override func tearDown() { work = nil }
    private var model: String { (repositoryRoot as NSString).appendingPathComponent("Models/fashion.cnnw") }

    /// Four sample photos prepared as `cnnclassify prepare` writes them, and 300 synthetic
    /// Fashion-MNIST training images of which the last 200 validate.
    private func inputs() throws -> (photos: String, data: String) {
        let root = work.file("photos"), data = work.file("data")
        let plan = ["t-shirt": ["photo-t-shirt.jpg", "t-shirt-photo.jpg"], "pants": ["photo-pants.jpg"], "hat": ["photo-hat.jpg"]]
        for (folder, names) in plan {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
            for name in names {
                try FileManager.default.copyItem(atPath: (repositoryRoot as NSString).appendingPathComponent("Samples/\(name)"),
                                                 toPath: "\(root)/\(folder)/\(name)")
            }
        }
        ImageFixtures.write(Array("folder\tclasses\nt-shirt\tT-shirt/top\npants\tTrouser\nhat\t-\n".utf8), to: work.file("mapping.tsv"))
        let prepared = try CNNClassifyBinary.run(["prepare", root, "--mapping", work.file("mapping.tsv"), "--model", model,
                                                  "--output", work.file("photos-v")])
        XCTAssertEqual(prepared.status, 0, prepared.stderr)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try SyntheticData.writeFashionMNISTLayout(to: data, trainCount: 300, testCount: 10)
        return (work.file("photos-v"), data)
    }

    func testRefitWritesRulesForPhotosAndKeepsTheRest() throws {
        let (photos, data) = try inputs()
        let output = work.file("refit.cnnw")
        let result = try CNNClassifyBinary.run(["calibrate", model, "--photos", photos, "--data", data, "--validation", "200",
                                                "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("before: crops flagged when top probability < 0.50"), result.stdout)
        XCTAssertTrue(result.stdout.contains("after: crops flagged when top probability < 0.50"), result.stdout)
        XCTAssertTrue(result.stdout.contains("wrote \(output)"), result.stdout)

        let before = try ModelFile.read(model), after = try ModelFile.read(output)
        let original = try XCTUnwrap(before.header.calibration), refit = try XCTUnwrap(after.header.calibration)
        XCTAssertEqual(refit.temperature, original.temperature)
        XCTAssertEqual(refit.minimumConfidence, Calibration.defaultMinimumConfidence)
        let rules = try XCTUnwrap(refit.photoRules)
        XCTAssertTrue((0.5...0.95).contains(rules.minimumConfidence), "\(rules)")
        // Four photos answered: at the default risk (4%) none may be left confidently wrong.
        XCTAssertEqual(try XCTUnwrap(refit.photoFlags).photosConfidentlyWrong, 0)
        for (kept, written) in zip(before.network.savedTensors, after.network.savedTensors) {
            XCTAssertEqual(kept.name, written.name)
            XCTAssertTrue((0..<kept.tensor.count).allSatisfy { kept.tensor[$0] == written.tensor[$0] }, "\(kept.name) changed")
        }
        let info = try CNNClassifyBinary.run(["info", output])
        XCTAssertTrue(info.stdout.contains("for photos:   top probability < "), info.stdout)
    }

    func testBadRiskAndMissingPhotosAreRefused() throws {
        let data = work.file("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try SyntheticData.writeFashionMNISTLayout(to: data, trainCount: 300, testCount: 10)
        let risky = try CNNClassifyBinary.run(["calibrate", model, "--photos", work.file("none"), "--risk", "1"])
        XCTAssertEqual(risky.status, 2, risky.stderr)
        XCTAssertTrue(risky.stderr.contains("--risk must be at least 0 and below 1"), risky.stderr)
        let output = work.file("refit.cnnw")
        let missing = try CNNClassifyBinary.run(["calibrate", model, "--photos", work.file("none"), "--data", data,
                                                 "--validation", "200", "--output", output])
        XCTAssertEqual(missing.status, 2, "a data file it cannot use")
        XCTAssertTrue(missing.stderr.contains(work.file("none")), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "nothing written")
    }
}
