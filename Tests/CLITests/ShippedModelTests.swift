import CNN
import Foundation
import TestSupport
import XCTest

/// The model `classify` uses by default, measured on the real test set the way a user would.
final class ShippedModelTests: XCTestCase {
    /// `classify` reads the weight file without its training record; everything else it holds
    /// comes back the same.
    func testReadingForClassifyingLeavesOutOnlyTheTrainingRecord() throws {
        let path = (repositoryRoot as NSString).appendingPathComponent("Models/fashion.cnnw")
        let whole = try ModelFile.read(path), classifying = try ModelFile.read(path, purpose: .classifying)
        XCTAssertNotNil(whole.header.training)
        XCTAssertNil(classifying.header.training)
        var expected = whole.header
        expected.training = nil
        XCTAssertEqual(classifying.header, expected)
        for ((name, a), (_, b)) in zip(whole.network.savedTensors, classifying.network.savedTensors) {
            XCTAssertEqual(a.values, b.values, name)
        }
    }

    /// The README's `$ cnnclassify evaluate` example, run as shown: it prints what the README
    /// says, and that is the accuracy the file recorded when it was trained.
    func testShippedModelReachesItsAccuracyOnT10k() throws {
        _ = try RealData.directory()
        let example = try XCTUnwrap(try ReadmeExample.all(in: "README.md").first { $0.arguments == ["evaluate"] })
        let result = try CNNClassifyBinary.run(example.arguments, directory: repositoryRoot)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(example.matches(result.stdout), "printed\n\(result.stdout)\nbut the README shows\n\(example.output.joined(separator: "\n"))")
        func figure(after prefix: String, upTo end: Character) throws -> Double {
            let line = try XCTUnwrap(result.stdout.split(separator: "\n").first { $0.hasPrefix(prefix) }, prefix)
            return try XCTUnwrap(Double(line.dropFirst(prefix.count).prefix { $0 != end }.filter { $0 != "," }), String(line))
        }
        let printedPercent = try figure(after: "accuracy: ", upTo: "%")
        // 93.82%: a drop means preprocessing, loading or inference broke.
        XCTAssertGreaterThanOrEqual(printedPercent, 93.82)
        let accuracy = printedPercent / 100

        // The file says how it was made, and the accuracy it recorded is the one measured now.
        let header = try ModelFile.read((repositoryRoot as NSString).appendingPathComponent("Models/fashion.cnnw")).header
        let training = try XCTUnwrap(header.training)
        XCTAssertTrue(training.command.hasPrefix("cnnclassify train --arch fashion"), training.command)
        XCTAssertEqual(training.configuration.seed, 1)
        // Fashion-MNIST's four files and the prepared photos' two, which are recorded with their count.
        XCTAssertEqual(training.dataChecksums.count, 6)
        XCTAssertEqual(training.mixedIn, [TrainingRecord.MixedInRecord(prefix: "data/photos-train", share: 0.1, images: 761)])
        XCTAssertEqual(try XCTUnwrap(training.testAccuracy), accuracy, accuracy: 1e-6)
        XCTAssertEqual(training.history?.count, training.configuration.epochs)
        let calibration = try XCTUnwrap(header.calibration)
        // The temperature minimises the validation images' cross-entropy, not their calibration
        // error, which it may raise a little there (0.40% → 0.75% for the model before).
        XCTAssertLessThanOrEqual(try XCTUnwrap(calibration.validationErrorAfter), try XCTUnwrap(calibration.validationErrorBefore) + 0.005)
        // On t10k, which the temperature was not fitted on, it must not make the probabilities
        // worse calibrated. Crops keep the flag training fits, which doubts 1.98% of t10k (198
        // images); photos have rules of their own, fitted on the validation photos.
        let errors = try XCTUnwrap(result.stdout.split(separator: "\n").first { $0.hasPrefix("calibration: ") })
            .split(separator: " ").filter { $0.hasSuffix("%") }.compactMap { Double($0.dropLast()) }
        XCTAssertEqual(errors.count, 2, "\(errors)")
        XCTAssertLessThanOrEqual(errors.last ?? 1, errors.first ?? 0)
        XCTAssertLessThanOrEqual(try figure(after: "low confidence: ", upTo: " "), 198)
        XCTAssertNotNil(calibration.photoRules)
        XCTAssertNotNil(calibration.photoFlags)
    }

    /// The real photos of `../shared/real-photos` (next to the repository), measured half: the
    /// README's figure, so that a change to decoding, segmentation or the model that loses real
    /// photos shows here. Skipped where the photos are not there, except under CI.
    func testShippedModelOnTheMeasuredHalfOfTheRealPhotos() throws {
        let photos = ((repositoryRoot as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("shared/real-photos/clothing-dataset-small")
        guard FileManager.default.fileExists(atPath: photos + "/mapping.tsv") else {
            let message = "the real photos are not in \(photos)"
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message + " (CI is set, so this test must run)") }
            throw XCTSkip(message)
        }
        let result = try CNNClassifyBinary.run(["evaluate", "--photos", photos + "/train", "--mapping", photos + "/mapping.tsv",
                                                "--part", "measure", "--format", "json"], directory: repositoryRoot)
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let figures = try XCTUnwrap(report["evaluation"] as? [String: Any])
        XCTAssertEqual(figures["photosWithClass"] as? Int, 1310)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(figures["accuracy"] as? Double), 0.8374)
        XCTAssertEqual(figures["photosWithoutClass"] as? Int, 219)
        XCTAssertLessThanOrEqual(try XCTUnwrap(figures["confidentlyWrong"] as? Int), 45)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(figures["flaggedWithoutClass"] as? Int), 215)
    }
}
