import CNN
import Foundation
import XCTest

final class OptimizerTests: XCTestCase {
    private func parameter(_ value: [Float], gradient: [Float], decays: Bool = true) -> Parameter {
        let p = Parameter(name: "p", shape: [value.count], decays: decays)
        p.value.copy(from: Tensor(shape: [value.count], values: value))
        p.gradient.copy(from: Tensor(shape: [value.count], values: gradient))
        return p
    }

    func testPlainSGD() {
        let p = parameter([1, 2], gradient: [0.5, -1])
        SGD().step([p], learningRate: 0.1, threads: 1)
        XCTAssertEqual(p.value.values, [0.95, 2.1])
    }

    func testSGDMomentumAndWeightDecay() {
        let p = parameter([1], gradient: [1])
        let sgd = SGD(momentum: 0.9, weightDecay: 0.1)
        sgd.step([p], learningRate: 0.1, threads: 1)   // v = 1 + 0.1 = 1.1, w = 1 − 0.11
        XCTAssertEqual(p.value[0], 0.89, accuracy: 1e-6)
        sgd.step([p], learningRate: 0.1, threads: 1)   // v = 0.99 + 1 + 0.089, w −= 0.2079
        XCTAssertEqual(p.value[0], 0.89 - 0.2079, accuracy: 1e-6)
    }

    func testAdamFirstStepMovesByLearningRate() {
        // With bias correction the first step is lr · g / |g| for every element.
        let p = parameter([1, 1, 1], gradient: [0.001, -50, 3])
        Adam().step([p], learningRate: 0.01, threads: 1)
        for (value, expected) in zip(p.value.values, [0.99, 1.01, 0.99] as [Float]) {
            XCTAssertEqual(value, expected, accuracy: 1e-5)
        }
    }

    func testAdamDecoupledWeightDecaySkipsBiases() {
        let weight = parameter([2], gradient: [0])
        let bias = parameter([2], gradient: [0], decays: false)
        Adam(weightDecay: 0.5).step([weight, bias], learningRate: 0.1, threads: 1)
        XCTAssertEqual(weight.value[0], 2 - 0.1 * 0.5 * 2, accuracy: 1e-6)
        XCTAssertEqual(bias.value[0], 2)
    }

    func testStateRestoresExactly() throws {
        let a = parameter([1, -1], gradient: [0.3, 0.7]), b = parameter([1, -1], gradient: [0.3, 0.7])
        let first = Adam()
        first.step([a], learningRate: 0.1, threads: 1)
        let second = Adam()
        second.stepCount = first.stepCount
        try second.restore(first.stateTensors(for: [a]), parameters: [b])
        b.value.copy(from: a.value)
        first.step([a], learningRate: 0.1, threads: 1)
        second.step([b], learningRate: 0.1, threads: 1)
        XCTAssertEqual(a.value.values, b.value.values)
    }

    func testSchedules() {
        XCTAssertEqual(LearningRateSchedule.constant.rate(base: 0.1, step: 50, stepsPerEpoch: 10, totalSteps: 100), 0.1)
        let step = LearningRateSchedule.step(epochs: 2, factor: 0.5)
        XCTAssertEqual(step.rate(base: 0.1, step: 19, stepsPerEpoch: 10, totalSteps: 100), 0.1)
        XCTAssertEqual(step.rate(base: 0.1, step: 20, stepsPerEpoch: 10, totalSteps: 100), 0.05)
        XCTAssertEqual(step.rate(base: 0.1, step: 45, stepsPerEpoch: 10, totalSteps: 100), 0.025)
        XCTAssertEqual(LearningRateSchedule.cosine.rate(base: 0.1, step: 0, stepsPerEpoch: 10, totalSteps: 100), 0.1)
        XCTAssertEqual(LearningRateSchedule.cosine.rate(base: 0.1, step: 50, stepsPerEpoch: 10, totalSteps: 100), 0.05, accuracy: 1e-7)
        XCTAssertEqual(LearningRateSchedule.cosine.rate(base: 0.1, step: 100, stepsPerEpoch: 10, totalSteps: 100), 0, accuracy: 1e-7)
    }

    /// Averaging from epoch 2 of 10 steps each: the cosine runs over 20 steps from 0.05 to 0.01
    /// (half-way at step 10), then the rate stays at 0.01; a constant schedule jumps at step 20.
    func testWeightAveragingSchedule() {
        let averaging = WeightAveraging(startEpoch: 2, learningRate: 0.01)
        let rates = [0, 10, 19, 20, 35].map { averaging.rate(base: 0.05, schedule: .cosine, step: $0, stepsPerEpoch: 10) }
        XCTAssertEqual(rates[0], 0.05, accuracy: 1e-7)
        XCTAssertEqual(rates[1], 0.03, accuracy: 1e-7)
        XCTAssertEqual(rates[2], 0.01 + 0.04 * Float(0.5 * (1 + cos(Double.pi * 19 / 20))), accuracy: 1e-7)
        XCTAssertEqual(Array(rates[3...]), [0.01, 0.01])
        XCTAssertEqual(averaging.rate(base: 0.05, schedule: .constant, step: 19, stepsPerEpoch: 10), 0.05, accuracy: 1e-7)
        XCTAssertEqual(averaging.rate(base: 0.05, schedule: .constant, step: 20, stepsPerEpoch: 10), 0.01)
    }

    func testInitialisersHaveTheirStatistics() {
        var random = RandomSource(seed: 1)
        let t = Tensor(shape: [20000])
        Initializer.he.fill(t, fanIn: 50, fanOut: 10, random: &random)
        let std = (t.values.map { Double($0 * $0) }.reduce(0, +) / 20000).squareRoot()
        XCTAssertEqual(std, (2.0 / 50).squareRoot(), accuracy: 0.01)
        Initializer.glorot.fill(t, fanIn: 50, fanOut: 10, random: &random)
        let limit = Float((6.0 / 60).squareRoot())
        XCTAssertTrue(t.values.allSatisfy { abs($0) <= limit })
        XCTAssertGreaterThan(t.values.max()!, limit * 0.95)
        Initializer.rand.fill(t, fanIn: 1, fanOut: 1, random: &random)
        XCTAssertTrue(t.values.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(Double(t.values.reduce(0, +)) / 20000, 0.5, accuracy: 0.01)
        Initializer.randn.fill(t, fanIn: 1, fanOut: 1, random: &random)
        XCTAssertEqual(Double(t.values.reduce(0, +)) / 20000, 0, accuracy: 0.03)
    }
}
