@testable import CNN
import Foundation
import XCTest

final class CalibrationTests: XCTestCase {
    /// Logits `[0, ln 3]` give probabilities ¼ and ¾ and energy −ln 4 at temperature 1; at
    /// temperature 2 the same logits give 1/(1+√3) and √3/(1+√3).
    func testHandComputedAssessment() {
        let logits: [Float] = [0, log(3)]
        let plain = Calibration(temperature: 1, minimumConfidence: 0.5, maximumEnergy: -1)
        let answer = logits.withUnsafeBufferPointer { plain.assess($0) }
        XCTAssertEqual(answer.probabilities[0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(answer.probabilities[1], 0.75, accuracy: 1e-6)
        XCTAssertEqual(answer.energy, -log(4), accuracy: 1e-6)
        XCTAssertFalse(answer.lowConfidence)

        let warm = Calibration(temperature: 2, minimumConfidence: 0.5, maximumEnergy: nil)
        let softened = logits.withUnsafeBufferPointer { warm.assess($0) }
        XCTAssertEqual(Double(softened.probabilities[1]), 3.0.squareRoot() / (1 + 3.0.squareRoot()), accuracy: 1e-6)

        // Three equal logits: top probability ⅓ < ½. Two zero logits: energy −ln 2 > −1.
        let even = [Float](repeating: 0, count: 3).withUnsafeBufferPointer { plain.assess($0) }
        XCTAssertTrue(even.uncertain)
        let flat = [Float](repeating: 0, count: 2).withUnsafeBufferPointer { plain.assess($0) }
        XCTAssertFalse(flat.uncertain)
        XCTAssertTrue(flat.unusual)
        XCTAssertTrue(flat.lowConfidence)
    }

    /// Labels drawn from softmax(z / 2): the fitted temperature comes out near 2, the calibration
    /// error drops, and the energy rule flags about 1% of the fitting rows.
    func testFitRecoversTheTemperatureThatMadeTheLabels() {
        var random = RandomSource(seed: 11)
        let rows = 4000, classes = 10
        var logits: [Float] = [], labels: [Int] = []
        for _ in 0..<rows {
            let z = (0..<classes).map { _ in 3 * random.nextNormal() }
            let weights = z.map { exp(Double($0) / 2) }
            var pick = Double(random.nextUniform()) * weights.reduce(0, +), label = 0
            while label < classes - 1, pick >= weights[label] { pick -= weights[label]; label += 1 }
            logits += z
            labels.append(label)
        }
        let fitted = Calibration.fit(logits: logits, classes: classes, labels: labels)
        XCTAssertEqual(fitted.temperature, 2, accuracy: 0.15)
        XCTAssertLessThan(fitted.validationErrorAfter!, fitted.validationErrorBefore! / 2)
        XCTAssertLessThan(fitted.validationErrorAfter!, 0.03)
        let unusual = fitted.assess(rows: logits, classes: classes).filter(\.unusual).count
        XCTAssertEqual(Double(unusual), Double(rows) * Calibration.unusualFraction, accuracy: 2)
    }

    /// Probabilities sum to one and stay finite for logits whose exponentials overflow a Float.
    func testSoftmaxOfLargeLogits() {
        let answer = [Float]([1000, 1001, 1002]).withUnsafeBufferPointer { Calibration.uncalibrated.assess($0) }
        XCTAssertEqual(Double(answer.probabilities.reduce(0, +)), 1, accuracy: 1e-6)
        XCTAssertEqual(Double(answer.probabilities[2]), exp(2) / (1 + exp(1) + exp(2)), accuracy: 1e-6)
        XCTAssertEqual(Double(answer.energy), -1002 - log(1 + exp(-1) + exp(-2)), accuracy: 1e-3)
    }

    /// Two bins' worth by hand: confidences 0.9 (right) and 0.6 (wrong) → (|0.9 − 1| + |0.6 − 0|) / 2.
    func testExpectedCalibrationErrorByHand() {
        let logits: [Float] = [log(9), 0, log(1.5), 0]
        let error = Calibration.expectedCalibrationError(Calibration.uncalibrated.assess(rows: logits, classes: 2), labels: [0, 1])
        XCTAssertEqual(error, (0.1 + 0.6) / 2, accuracy: 1e-6)
    }

    /// `count` rows of logits for 4 classes whose softmax top probability is `top` on class
    /// `label`, all raised by `lift` (which lowers their energy and leaves the probabilities).
    private func rows(_ count: Int, label: Int, top: Double, lift: Float = 0) -> [Float] {
        // p_top / p_other = e^d with three others: top = e^d / (e^d + 3).
        let d = Float(log(3 * top / (1 - top)))
        let one = (0..<4).map { ($0 == label ? d : 0) + lift }
        return Array((0..<count).map { _ in one }.joined())
    }

    /// Photos of energy too low for the crops' energy rule: 10 right at 0.9, 4 right and 6 wrong
    /// at 0.74, 4 of no class at 0.6. Catching the 6 mistakes costs the 4 right answers beside
    /// them; catching the photos of no class costs nothing.
    func testRulesForPhotosLeaveAtMostTheRiskConfidentlyWrong() {
        let rules = Calibration(temperature: 1, minimumConfidence: 0.7, maximumEnergy: nil)
        // 100 validation images: 98 at 0.97, 2 at 0.72 (of higher energy).
        let fashion = rows(98, label: 0, top: 0.97) + rows(2, label: 1, top: 0.72)
        let doubtful = rows(1, label: 2, top: 0.74, lift: 10)
        var photos = rows(10, label: 1, top: 0.9, lift: 10)
        photos += rows(10, label: 2, top: 0.74, lift: 10)
        photos += rows(4, label: 3, top: 0.6, lift: 10)
        var sets = [LabelSet](repeating: LabelSet([1]), count: 10)
        sets += [LabelSet](repeating: LabelSet([2]), count: 4) + [LabelSet](repeating: LabelSet([0, 1]), count: 6)
        sets += [LabelSet](repeating: .none, count: 4)

        let strict = rules.refittingFlags(fashion: fashion, photos: photos, photoSets: sets, classes: 4, risk: 0)
        XCTAssertEqual(strict.before.photosConfidentlyWrong, 6.0 / 24, accuracy: 1e-9, "the 0.7 rule catches those of no class only")
        XCTAssertEqual(strict.before.rightFlagged, 0)
        XCTAssertEqual(strict.before.fashionFlagged, 0)
        XCTAssertEqual(strict.figures.photosConfidentlyWrong, 0)
        XCTAssertEqual(strict.figures.noneFlagged, 1)
        XCTAssertEqual(try XCTUnwrap(strict.figures.rightFlagged), 4.0 / 14, accuracy: 1e-9)
        XCTAssertEqual(strict.calibration.photoFlags, strict.figures)
        XCTAssertEqual(strict.calibration.temperature, 1)
        // Crops get the rules training fits: an even chance, and the energy of the top 1% of the
        // validation images (the 0.72 ones), which flags none of them.
        XCTAssertEqual(strict.calibration.minimumConfidence, Calibration.defaultMinimumConfidence)
        let energy72 = rows(1, label: 1, top: 0.72).withUnsafeBufferPointer { rules.assess($0).energy }
        XCTAssertEqual(try XCTUnwrap(strict.calibration.maximumEnergy), energy72, accuracy: 1e-6)
        XCTAssertEqual(strict.figures.fashionFlagged, 0)
        doubtful.withUnsafeBufferPointer { row in
            XCTAssertTrue(strict.calibration.assess(row, photo: true).lowConfidence)
            XCTAssertFalse(strict.calibration.assess(row, photo: false).lowConfidence)
        }

        // Allowed 6 of 24 confidently wrong, it flags no right answer and leaves the 6 mistakes.
        let lenient = rules.refittingFlags(fashion: fashion, photos: photos, photoSets: sets, classes: 4, risk: 0.25)
        XCTAssertEqual(lenient.figures.photosConfidentlyWrong, 6.0 / 24, accuracy: 1e-9)
        XCTAssertEqual(lenient.figures.rightFlagged, 0)
        XCTAssertEqual(lenient.figures.noneFlagged, 1)
        doubtful.withUnsafeBufferPointer { XCTAssertFalse(lenient.calibration.assess($0, photo: true).lowConfidence) }
    }

    /// Four answers, two of them wrong: the report counts what the flag caught, and the ranking
    /// puts the more confident mistake first.
    func testReportCountsTheFlagAndRanksTheMistakes() {
        func answer(_ probabilities: [Float], flagged: Bool) -> Calibration.Assessment {
            Calibration.Assessment(probabilities: probabilities, energy: 0, uncertain: flagged, unusual: false)
        }
        let answers = [answer([0.9, 0.1], flagged: false), answer([0.3, 0.7], flagged: false),
                       answer([0.45, 0.55], flagged: true), answer([0.2, 0.8], flagged: true)]
        let labels = [0, 0, 1, 0]
        let report = CalibrationReport(.uncalibrated, answers: answers, plain: answers, labels: labels)
        XCTAssertEqual(report.images, 4)
        XCTAssertEqual(report.flagged, 2)
        XCTAssertEqual(try XCTUnwrap(report.flaggedAccuracy), 0.5, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(report.unflaggedAccuracy), 0.5, accuracy: 1e-12)
        XCTAssertEqual(report.errorBefore, report.errorAfter)
        let ranked = RankedMistake.mostConfident(answers, labels: labels, limit: 1)
        XCTAssertEqual(ranked.total, 2)
        XCTAssertEqual(ranked.worst, [RankedMistake(index: 3, predicted: 1, probability: 0.8)])
        XCTAssertEqual(RankedMistake.mostConfident(answers, labels: labels, limit: 5).worst.map(\.index), [3, 1])
    }
}
