import CNN
import TestSupport
import XCTest

final class Conv2DTests: XCTestCase {
    /// The seed notebook's worked example: the 4×4 input correlated with [[1, 0], [0, −1]] is
    /// x[i][j] − x[i+1][j+1] at each position, 0 at the top-left.
    func testNotebookExampleForward() throws {
        let conv = try Conv2D(.init(filters: 1, kernelSize: 2, bias: .none), inputShape: [1, 4, 4], name: "conv")
        conv.weight.value.copy(from: Tensor(shape: [1, 1, 2, 2], values: [1, 0, 0, -1]))
        let input = Tensor(shape: [1, 1, 4, 4], values: [1, 2, 3, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 1, 2, 1])
        let output = conv.forward(input, context: RunContext(training: false, threads: 1))
        XCTAssertEqual(output.shape, [1, 1, 3, 3])
        XCTAssertEqual(output.values, [0, 0, 0, -2, 0, 2, 2, 0, 0])
    }

    func testPaddingStrideChannelsAndTiedBiasForward() throws {
        // Two input channels, padding 1, stride 2: each output is the sum of a 3×3 window over both
        // channels (weights all 1) plus the filter's bias.
        let conv = try Conv2D(.init(filters: 2, kernelSize: 3, stride: 2, padding: 1), inputShape: [2, 3, 3], name: "conv")
        conv.weight.value.copy(from: Tensor(shape: [2, 2, 3, 3], values: [Float](repeating: 1, count: 18) + [Float](repeating: -1, count: 18)))
        conv.bias!.value.copy(from: Tensor(shape: [2], values: [0.5, 0]))
        let input = Tensor(shape: [1, 2, 3, 3], values: (1...9).map(Float.init) + [Float](repeating: 1, count: 9))
        let output = conv.forward(input, context: RunContext(training: false, threads: 1))
        XCTAssertEqual(output.shape, [1, 2, 2, 2])
        // Windows centred on (0,0), (0,2), (2,0), (2,2) of the 3×3 image with a zero border.
        let windowSums: [Float] = [1 + 2 + 4 + 5 + 4, 2 + 3 + 5 + 6 + 4, 4 + 5 + 7 + 8 + 4, 5 + 6 + 8 + 9 + 4]
        XCTAssertEqual(output.values, windowSums.map { $0 + 0.5 } + windowSums.map { -$0 })
    }

    /// Every combination of kernel, stride and padding, including kernels that overhang a
    /// one-pixel-wide image and rows long enough to be copied eight floats at a time, must give
    /// the direct sum.
    func testForwardEqualsTheDirectSumForEveryStrideAndPadding() throws {
        for (k, s, p, h, w) in [(3, 1, 1, 5, 4), (3, 2, 1, 1, 1), (3, 2, 2, 5, 4), (2, 3, 1, 7, 3), (5, 1, 3, 2, 6), (1, 2, 0, 5, 5), (4, 2, 2, 1, 3),
                                      (3, 1, 1, 3, 13), (3, 1, 2, 2, 16), (2, 1, 0, 3, 19)] {
            let channels = 2, filters = 3
            let conv = try Conv2D(.init(filters: filters, kernelSize: k, stride: s, padding: p, bias: .none), inputShape: [channels, h, w], name: "conv")
            var random = RandomSource(seed: UInt64(k * 100 + s * 10 + p))
            conv.initialize(random: &random)
            let input = GradientCheck.randomTensor([2, channels, h, w], seed: 5)
            let output = conv.forward(input, context: RunContext(training: false, threads: 2))
            let (oh, ow) = (conv.outputShape[1], conv.outputShape[2])
            for n in 0..<2 {
                for f in 0..<filters {
                    for y in 0..<oh {
                        for x in 0..<ow {
                            var sum: Float = 0
                            for c in 0..<channels {
                                for ki in 0..<k {
                                    for kj in 0..<k {
                                        let (iy, ix) = (y * s + ki - p, x * s + kj - p)
                                        guard (0..<h).contains(iy), (0..<w).contains(ix) else { continue }
                                        sum += conv.weight.value[((f * channels + c) * k + ki) * k + kj] * input[((n * channels + c) * h + iy) * w + ix]
                                    }
                                }
                            }
                            XCTAssertEqual(output[((n * filters + f) * oh + y) * ow + x], sum, accuracy: 1e-5,
                                           "k \(k) s \(s) p \(p) on \(h)×\(w): image \(n), filter \(f), (\(y), \(x))")
                        }
                    }
                }
            }
        }
    }

    func testUntiedBiasIsAddedPerPosition() throws {
        let conv = try Conv2D(.init(filters: 1, kernelSize: 1, bias: .untied), inputShape: [1, 2, 2], name: "conv")
        conv.weight.value.copy(from: Tensor(shape: [1, 1, 1, 1], values: [2]))
        conv.bias!.value.copy(from: Tensor(shape: [1, 2, 2], values: [10, 20, 30, 40]))
        let output = conv.forward(Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4]), context: RunContext(training: false, threads: 1))
        XCTAssertEqual(output.values, [12, 24, 36, 48])
    }

    func testGradientsTiedBiasPaddingBatchAndThreads() throws {
        let conv = try Conv2D(.init(filters: 3, kernelSize: 3, padding: 1), inputShape: [2, 5, 5], name: "conv")
        var random = RandomSource(seed: 3)
        conv.initialize(random: &random)
        GradientCheck.check(conv, input: GradientCheck.randomTensor([3, 2, 5, 5], seed: 4), threads: 2)
    }

    /// Rows of 13 floats: col2im adds them back eight at a time and then the last eight again.
    func testGradientsOnRowsLongerThanEight() throws {
        let conv = try Conv2D(.init(filters: 2, kernelSize: 3, padding: 1), inputShape: [2, 3, 13], name: "conv")
        var random = RandomSource(seed: 11)
        conv.initialize(random: &random)
        GradientCheck.check(conv, input: GradientCheck.randomTensor([2, 2, 3, 13], seed: 12), threads: 2)
    }

    func testGradientsUntiedBiasStride() throws {
        let conv = try Conv2D(.init(filters: 2, kernelSize: 2, stride: 2, bias: .untied, biasInit: .randn), inputShape: [1, 6, 6], name: "conv")
        var random = RandomSource(seed: 5)
        conv.initialize(random: &random)
        GradientCheck.check(conv, input: GradientCheck.randomTensor([2, 1, 6, 6], seed: 6))
    }

    func testGradientsWithoutBiasStrideAndPadding() throws {
        let conv = try Conv2D(.init(filters: 2, kernelSize: 3, stride: 2, padding: 2, bias: .none), inputShape: [1, 5, 4], name: "conv")
        var random = RandomSource(seed: 8)
        conv.initialize(random: &random)
        GradientCheck.check(conv, input: GradientCheck.randomTensor([2, 1, 5, 4], seed: 9), threads: 2)
    }

    func testWeightFileRoundTrip() throws {
        try assertWeightFileRoundTrip(Architecture(name: "conv", inputShape: [1, 6, 6], layers: [
            .conv2D(.init(filters: 2, kernelSize: 3, padding: 1)), .conv2D(.init(filters: 1, kernelSize: 2, bias: .untied, biasInit: .rand)),
            .flatten, .dense(.init(outputs: 3)),
        ]))
    }

    func testImpossibleShapesAreRejected() {
        XCTAssertThrowsError(try Conv2D(.init(filters: 1, kernelSize: 7), inputShape: [1, 5, 5], name: "conv"))
        XCTAssertThrowsError(try Conv2D(.init(filters: 0, kernelSize: 3), inputShape: [1, 5, 5], name: "conv"))
        XCTAssertThrowsError(try Conv2D(.init(filters: 1, kernelSize: 3), inputShape: [25], name: "conv"))
    }
}
