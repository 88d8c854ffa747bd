import CNN
import TestSupport
import XCTest

final class SoftmaxCrossEntropyTests: XCTestCase {
    private func evaluate(_ logits: Tensor, _ labels: [Int32], smoothing: Float = 0) -> (SoftmaxCrossEntropy.BatchResult, [Float]) {
        let loss = SoftmaxCrossEntropy(smoothing: smoothing)
        let result = labels.withUnsafeBufferPointer { loss.evaluate(logits: logits, labels: $0) }
        return (result, loss.gradient.values)
    }

    func testHandComputedLossAndGradient() {
        // Equal logits over two classes: loss ln 2, gradient (p − onehot) / N = (−0.5, 0.5) / 1.
        let (result, gradient) = evaluate(Tensor(shape: [1, 2], values: [0, 0]), [0])
        XCTAssertEqual(result.lossSum, log(2), accuracy: 1e-6)
        XCTAssertEqual(gradient, [-0.5, 0.5])
        XCTAssertEqual(result.correct, 1, "ties go to the first class")
    }

    func testLargeLogitsStayFinite() {
        let (result, gradient) = evaluate(Tensor(shape: [2, 3], values: [1000, 0, -1000, -1000, 1000, 999]), [0, 2])
        XCTAssertEqual(result.lossSum, 0 + (1 + log(1 + exp(-1.0))), accuracy: 1e-4)
        XCTAssertTrue(gradient.allSatisfy(\.isFinite))
        XCTAssertEqual(result.correct, 1)
    }

    func testHandComputedLabelSmoothing() {
        // Logits (ln 3, 0): p = (¾, ¼). With ε = 0.2 over 2 classes the target is (0.9, 0.1):
        // loss = −0.9 ln ¾ − 0.1 ln ¼, gradient p − t = (−0.15, 0.15).
        let (result, gradient) = evaluate(Tensor(shape: [1, 2], values: [Float(log(3.0)), 0]), [0], smoothing: 0.2)
        XCTAssertEqual(result.lossSum, -0.9 * log(0.75) - 0.1 * log(0.25), accuracy: 1e-6)
        XCTAssertEqual(gradient[0], -0.15, accuracy: 1e-6)
        XCTAssertEqual(gradient[1], 0.15, accuracy: 1e-6)
    }

    func testGradientMatchesFiniteDifferences() {
        let logits = GradientCheck.randomTensor([3, 5], seed: 4)
        let labels: [Int32] = [4, 0, 2]
        for smoothing: Float in [0, 0.1] {
            let (_, analytic) = evaluate(logits, labels, smoothing: smoothing)
            let h: Float = 1e-2
            for i in 0..<logits.count {
                let saved = logits[i]
                logits[i] = saved + h
                let plus = evaluate(logits, labels, smoothing: smoothing).0.lossSum / 3
                logits[i] = saved - h
                let minus = evaluate(logits, labels, smoothing: smoothing).0.lossSum / 3
                logits[i] = saved
                XCTAssertEqual(Double(analytic[i]), (plus - minus) / (2 * Double(h)), accuracy: 1e-3, "ε \(smoothing), logit \(i)")
            }
        }
    }

    private func evaluate(_ logits: Tensor, sets: [LabelSet]) -> (SoftmaxCrossEntropy.BatchResult, [Float]) {
        let loss = SoftmaxCrossEntropy()
        let result = sets.withUnsafeBufferPointer { loss.evaluate(logits: logits, targets: $0) }
        return (result, loss.gradient.values)
    }

    func testHandComputedPartialLabelAndNoneOfThese() {
        // Logits (ln 2, 0, 0, 0): p = (0.4, 0.2, 0.2, 0.2).
        let logits = Tensor(shape: [2, 4], values: [Float(log(2.0)), 0, 0, 0, Float(log(2.0)), 0, 0, 0])
        let (result, gradient) = evaluate(logits, sets: [LabelSet([1, 2]), .none])
        // Right classes {1, 2}: loss −ln(0.2 + 0.2); q = (0, ½, ½, 0); gradient (p − q) / 2.
        // None of these: loss −¼ Σ ln p; gradient (p − ¼) / 2.
        XCTAssertEqual(result.lossSum, -log(0.4) - (log(0.4) + 3 * log(0.2)) / 4, accuracy: 1e-6)
        let expected: [Float] = [0.2, -0.15, -0.15, 0.1, 0.075, -0.025, -0.025, -0.025]
        for (value, want) in zip(gradient, expected) { XCTAssertEqual(value, want, accuracy: 1e-6) }
        XCTAssertEqual(result.correct, 0, "class 0 is not among {1, 2}, and nothing is right for none of these")
        XCTAssertEqual(evaluate(logits, sets: [LabelSet([0, 3]), LabelSet([0])]).0.correct, 2)
    }

    func testASetFarBelowTheTopStaysFinite() {
        let (result, gradient) = evaluate(Tensor(shape: [1, 3], values: [200, -200, -201]), sets: [LabelSet([1, 2])])
        XCTAssertEqual(result.lossSum, 400 - log(1 + exp(-1.0)), accuracy: 1e-2)
        XCTAssertTrue(gradient.allSatisfy(\.isFinite))
    }

    func testSetAndNoneGradientsMatchFiniteDifferences() {
        let logits = GradientCheck.randomTensor([4, 5], seed: 9)
        let sets = [LabelSet([1, 3, 4]), .none, LabelSet([2]), LabelSet([0, 2])]
        let (_, analytic) = evaluate(logits, sets: sets)
        let h: Float = 1e-2
        for i in 0..<logits.count {
            let saved = logits[i]
            logits[i] = saved + h
            let plus = evaluate(logits, sets: sets).0.lossSum / 4
            logits[i] = saved - h
            let minus = evaluate(logits, sets: sets).0.lossSum / 4
            logits[i] = saved
            XCTAssertEqual(Double(analytic[i]), (plus - minus) / (2 * Double(h)), accuracy: 1e-3, "logit \(i)")
        }
    }

    /// One answer for a row everywhere: the first of equal largest values.
    func testArgmaxTakesTheFirstLargest() {
        XCTAssertEqual([Float]([0.1, 0.7, 0.2]).argmax, 1)
        XCTAssertEqual([Float]([0.4, 0.1, 0.4]).argmax, 0)
        XCTAssertEqual([Float]([-3, -1, -1]).argmax, 1)
        XCTAssertEqual([Float]().argmax, 0)
    }
}
