import CNN
import TestSupport
import XCTest

final class ReLUTests: XCTestCase {
    func testForward() {
        let relu = ReLU(inputShape: [4])
        let y = relu.forward(Tensor(shape: [1, 4], values: [-2, 0, 0.5, 3]), context: RunContext(training: false, threads: 1))
        XCTAssertEqual(y.values, [0, 0, 0.5, 3])
    }

    func testGradient() {
        GradientCheck.check(ReLU(inputShape: [2, 3, 3]), input: Tensor(shape: [2, 2, 3, 3], values: GradientCheck.separatedValues(36, seed: 1)), threads: 2)
    }
}

final class MaxPool2DTests: XCTestCase {
    func testForwardFloorsOddSizesAndPicksWindowMaxima() throws {
        let pool = try MaxPool2D(size: 2, stride: 2, inputShape: [1, 3, 5], name: "pool")
        let input = Tensor(shape: [1, 1, 3, 5], values: [
            1, 5, 2, 0, 9,
            3, 4, 8, 1, 9,
            9, 9, 9, 9, 9,
        ])
        XCTAssertEqual(pool.outputShape, [1, 1, 2])
        XCTAssertEqual(pool.forward(input, context: RunContext(training: false, threads: 1)).values, [5, 8])
    }

    /// Inference finds the 2×2 maxima without recording where they were: the same values.
    func testInferenceAndTrainingPoolTheSameValues() throws {
        let pool = try MaxPool2D(size: 2, stride: 2, inputShape: [3, 5, 7], name: "pool")
        let input = GradientCheck.randomTensor([2, 3, 5, 7], seed: 12)
        let inference = pool.forward(input, context: RunContext(training: false, threads: 2)).values
        XCTAssertEqual(pool.forward(input, context: RunContext(training: true, threads: 2)).values, inference)
        XCTAssertEqual(inference[0], [input[0], input[1], input[7], input[8]].max())
    }

    func testGeneralWindowAndBackwardRoutesToArgmax() throws {
        let pool = try MaxPool2D(size: 3, stride: 1, inputShape: [1, 3, 4], name: "pool")
        let input = Tensor(shape: [1, 1, 3, 4], values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0])
        let context = RunContext(training: true, threads: 1)
        XCTAssertEqual(pool.forward(input, context: context).values, [11, 11])
        let dx = pool.backward(Tensor(shape: [1, 1, 1, 2], values: [1, 2]), context: context, needsInputGradient: true)!
        XCTAssertEqual(dx.values, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0])
    }

    func testGradient2x2() throws {
        let pool = try MaxPool2D(size: 2, stride: 2, inputShape: [2, 4, 6], name: "pool")
        GradientCheck.check(pool, input: Tensor(shape: [2, 2, 4, 6], values: GradientCheck.separatedValues(96, seed: 2)), threads: 2)
    }

    func testGradientOverlappingWindows() throws {
        let pool = try MaxPool2D(size: 3, stride: 2, inputShape: [1, 5, 5], name: "pool")
        GradientCheck.check(pool, input: Tensor(shape: [1, 1, 5, 5], values: GradientCheck.separatedValues(25, seed: 3)))
    }

    /// A pooling layer has no weights; what must survive the file is its window and stride (3 and
    /// 2 here, not the 2 and 2 every shipped network uses), which set the shapes after it.
    func testWindowAndStrideSurviveTheWeightFile() throws {
        let architecture = Architecture(name: "pool", inputShape: [1, 5, 5], layers: [.maxPool2D(size: 3, stride: 2), .flatten, .dense(.init(outputs: 2))])
        try assertWeightFileRoundTrip(architecture)
        XCTAssertEqual(try Network(architecture).featureWidth, 4, "a 3×3 window at stride 2 leaves 2×2 of 5×5")
    }
}

final class FlattenTests: XCTestCase {
    func testForwardKeepsOrder() {
        let flatten = Flatten(inputShape: [2, 1, 2])
        let y = flatten.forward(Tensor(shape: [1, 2, 1, 2], values: [1, 2, 3, 4]), context: RunContext(training: false, threads: 1))
        XCTAssertEqual(y.shape, [1, 4])
        XCTAssertEqual(y.values, [1, 2, 3, 4])
    }

    func testGradient() {
        GradientCheck.check(Flatten(inputShape: [2, 2, 2]), input: GradientCheck.randomTensor([2, 2, 2, 2], seed: 1))
    }
}

final class DenseTests: XCTestCase {
    func testForward() throws {
        let dense = try Dense(.init(outputs: 2), inputShape: [3], name: "dense")
        dense.weight.value.copy(from: Tensor(shape: [2, 3], values: [1, 2, 3, -1, 0, 1]))
        dense.bias.value.copy(from: Tensor(shape: [2], values: [0.5, -0.5]))
        let y = dense.forward(Tensor(shape: [2, 3], values: [1, 1, 1, 2, 0, -1]), context: RunContext(training: false, threads: 1))
        XCTAssertEqual(y.values, [6.5, -0.5, -0.5, -3.5])
    }

    func testGradient() throws {
        let dense = try Dense(.init(outputs: 5), inputShape: [7], name: "dense")
        var random = RandomSource(seed: 1)
        dense.initialize(random: &random)
        GradientCheck.check(dense, input: GradientCheck.randomTensor([4, 7], seed: 2), threads: 2)
    }

    func testWeightFileRoundTrip() throws {
        try assertWeightFileRoundTrip(Architecture(name: "dense", inputShape: [1, 2, 3], layers: [.flatten, .dense(.init(outputs: 4)), .dense(.init(outputs: 3, biasInit: .rand))]))
    }
}

final class DropoutTests: XCTestCase {
    func testInferenceIsIdentityAndTrainingScalesSurvivors() throws {
        let dropout = try Dropout(rate: 0.5, inputShape: [1000], layerIndex: 0, name: "dropout")
        let input = Tensor(shape: [1, 1000], repeating: 1)
        XCTAssertEqual(dropout.forward(input, context: RunContext(training: false, threads: 1)).values, input.values)
        let y = dropout.forward(input, context: RunContext(training: true, threads: 1, randomSeed: 3)).values
        XCTAssertTrue(y.allSatisfy { $0 == 0 || $0 == 2 })
        let kept = y.filter { $0 == 2 }.count
        XCTAssertEqual(Double(kept), 500, accuracy: 60, "about half survive")
    }

    func testMasksDependOnSeedNotThreads() throws {
        let dropout = try Dropout(rate: 0.3, inputShape: [50], layerIndex: 2, name: "dropout")
        let input = GradientCheck.randomTensor([4, 50], seed: 1)
        let one = dropout.forward(input, context: RunContext(training: true, threads: 1, randomSeed: 5)).values
        let two = dropout.forward(input, context: RunContext(training: true, threads: 2, randomSeed: 5)).values
        let other = dropout.forward(input, context: RunContext(training: true, threads: 1, randomSeed: 6)).values
        XCTAssertEqual(one, two)
        XCTAssertNotEqual(one, other)
    }

    func testGradient() throws {
        let dropout = try Dropout(rate: 0.4, inputShape: [3, 4], layerIndex: 0, name: "dropout")
        GradientCheck.check(dropout, input: GradientCheck.randomTensor([2, 3, 4], seed: 3))
    }

    func testWeightFileRoundTrip() throws {
        try assertWeightFileRoundTrip(Architecture(name: "dropout", inputShape: [1, 2, 2], layers: [.flatten, .dropout(rate: 0.5), .dense(.init(outputs: 2))]))
    }
}
