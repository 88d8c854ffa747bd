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
            try assertForwardIsTheDirectSum(.init(filters: 3, kernelSize: k, stride: s, padding: p, bias: .none),
                                            inputShape: [2, h, w], batch: 2, training: false)
        }
    }

    /// 3×3 convolutions of stride 1 and padding 1 with 16 or more input channels are computed by
    /// Winograd's F(7×7, 3×3): the direct sum still, to its rounding (its transforms multiply by
    /// up to 64 and divide by up to 4,096, so a few hundred times float's), with the tiles of up
    /// to four images in a product (seven images on two threads: groups of four and of three,
    /// then three), with the bias added, with tiles the image's edge cuts (sides 2, 3, 6, 8, 10,
    /// 18), whole tiles (7, 14), and with channels and filters that do not fill a vector; in
    /// training too.
    func testWinogradInferenceEqualsTheDirectSum() throws {
        for (channels, filters, h, w, bias) in [(16, 5, 6, 10, Conv2D.Bias.tied), (16, 5, 2, 2, .none), (16, 5, 14, 14, .tied),
                                                (16, 5, 3, 18, .tied), (21, 18, 8, 7, .tied)] {
            for training in [false, true] {
                try assertForwardIsTheDirectSum(.init(filters: filters, kernelSize: 3, padding: 1, bias: bias, biasInit: .randn),
                                                inputShape: [channels, h, w], batch: 7, training: training, accuracy: 3e-4)
            }
        }
    }

    /// A convolution with an epilogue gives exactly what the plain convolution gives through
    /// the layers it takes over, by Winograd's method (16 channels; rows of five tiles; one tile;
    /// odd sides, whose last row and column pooling drops) and by im2col (one or three
    /// channels), on seven images over two threads.
    func testEpiloguesEqualTheLayersTheyTakeOver() throws {
        for (channels, h, w) in [(16, 14, 14), (16, 4, 34), (16, 2, 2), (16, 9, 7), (16, 15, 3), (1, 28, 28), (1, 7, 9), (3, 5, 4)] {
            let configuration = Conv2D.Configuration(filters: 6, kernelSize: 3, padding: 1, biasInit: .randn)
            let plain = try Conv2D(configuration, inputShape: [channels, h, w], name: "conv")
            var random = RandomSource(seed: UInt64(h * 100 + w))
            plain.initialize(random: &random)
            let input = GradientCheck.randomTensor([7, channels, h, w], seed: UInt64(channels))
            let context = RunContext(training: false, threads: 2)
            let convolved = plain.forward(input, context: context)
            let rectified = ReLU(inputShape: plain.outputShape).forward(convolved, context: context).values
            let pooled = try MaxPool2D(size: 2, stride: 2, inputShape: plain.outputShape, name: "pool").forward(convolved, context: context)
            let pooledThenRectified = ReLU(inputShape: Array(pooled.shape.dropFirst())).forward(pooled, context: context).values
            for (epilogue, expected) in [(Epilogue.relu, rectified), (.maxPool2x2ThenReLU, pooledThenRectified)] {
                let fused = try Conv2D(configuration, inputShape: [channels, h, w], name: "conv", epilogue: epilogue)
                fused.weight.value.copy(from: plain.weight.value)
                fused.bias!.value.copy(from: plain.bias!.value)
                let output = fused.forward(input, context: context)
                XCTAssertEqual(Array(output.shape.dropFirst()), fused.outputShape)
                XCTAssertEqual(output.values, expected, "\(epilogue) on \(channels)×\(h)×\(w)")
            }
        }
    }

    private func assertForwardIsTheDirectSum(_ configuration: Conv2D.Configuration, inputShape: [Int], batch: Int, training: Bool,
                                             accuracy: Float = 1e-5, file: StaticString = #filePath, line: UInt = #line) throws {
        let (channels, h, w) = (inputShape[0], inputShape[1], inputShape[2])
        let (k, s, p, filters) = (configuration.kernelSize, configuration.stride, configuration.padding, configuration.filters)
        let conv = try Conv2D(configuration, inputShape: inputShape, name: "conv")
        var random = RandomSource(seed: UInt64(k * 100 + s * 10 + p + h))
        conv.initialize(random: &random)
        let input = GradientCheck.randomTensor([batch] + inputShape, seed: 5)
        let output = conv.forward(input, context: RunContext(training: training, threads: 2))
        let (oh, ow) = (conv.outputShape[1], conv.outputShape[2])
        for n in 0..<batch {
            for f in 0..<filters {
                for y in 0..<oh {
                    for x in 0..<ow {
                        var sum = Double(conv.bias.map { $0.value[f] } ?? 0)
                        for c in 0..<channels {
                            for ki in 0..<k {
                                for kj in 0..<k {
                                    let (iy, ix) = (y * s + ki - p, x * s + kj - p)
                                    guard (0..<h).contains(iy), (0..<w).contains(ix) else { continue }
                                    sum += Double(conv.weight.value[((f * channels + c) * k + ki) * k + kj] * input[((n * channels + c) * h + iy) * w + ix])
                                }
                            }
                        }
                        XCTAssertEqual(output[((n * filters + f) * oh + y) * ow + x], Float(sum), accuracy: accuracy,
                                       "k \(k) s \(s) p \(p) on \(channels)×\(h)×\(w), training \(training): image \(n), filter \(f), (\(y), \(x))",
                                       file: file, line: line)
                    }
                }
            }
        }
    }

    /// The weight gradient by Winograd's method is the direct sum `Σ dy · x` over images and
    /// positions, to rounding, and the same bytes run to run: with groups of images kept across
    /// the forward pass (ten images on one, two and three threads: threads whose first image is
    /// not a multiple of four), rows of three tiles, 16 and 24 channels.
    func testWinogradWeightGradientIsTheDirectSum() throws {
        for (channels, filters, h, w) in [(16, 16, 4, 18), (24, 8, 6, 6)] {
            let conv = try Conv2D(.init(filters: filters, kernelSize: 3, padding: 1), inputShape: [channels, h, w], name: "conv")
            var random = RandomSource(seed: UInt64(channels + h))
            conv.initialize(random: &random)
            let batch = 10
            let input = GradientCheck.randomTensor([batch, channels, h, w], seed: 21)
            let upstream = GradientCheck.randomTensor([batch, filters, h, w], seed: 22)
            var expected = [Float](repeating: 0, count: conv.weight.value.count)
            for f in 0..<filters {
                for c in 0..<channels {
                    for ki in 0..<3 {
                        for kj in 0..<3 {
                            var sum: Double = 0
                            for n in 0..<batch {
                                for y in 0..<h {
                                    for x in 0..<w {
                                        let (iy, ix) = (y + ki - 1, x + kj - 1)
                                        guard (0..<h).contains(iy), (0..<w).contains(ix) else { continue }
                                        sum += Double(upstream[((n * filters + f) * h + y) * w + x]) * Double(input[((n * channels + c) * h + iy) * w + ix])
                                    }
                                }
                            }
                            expected[((f * channels + c) * 3 + ki) * 3 + kj] = Float(sum)
                        }
                    }
                }
            }
            for threads in [1, 2, 3] {
                var runs: [[Float]] = []
                for _ in 0..<2 {
                    let context = RunContext(training: true, threads: threads)
                    _ = conv.forward(input, context: context)
                    _ = conv.backward(upstream, context: context, needsInputGradient: false)
                    runs.append(conv.weight.gradient.values)
                }
                XCTAssertEqual(runs[0], runs[1], "\(channels) channels, \(threads) threads: the same bytes twice")
                // Measured against the gradient's size: each value is a sum of a few hundred
                // products, and F(7×7)'s transforms magnify float's rounding of that size a few
                // hundred times (about 2·10⁻⁴ of it here at worst).
                let scale = (expected.map { Double($0) * Double($0) }.reduce(0, +) / Double(expected.count)).squareRoot()
                for (i, (actual, wanted)) in zip(runs[0], expected).enumerated() where Double(abs(actual - wanted)) > 1e-3 * scale {
                    XCTFail("\(channels) channels, \(threads) threads: weight gradient [\(i)] \(actual), direct sum \(wanted)")
                    break
                }
            }
        }
    }

    func testGradientsTiedBiasPaddingBatchAndThreads() throws {
        let conv = try Conv2D(.init(filters: 3, kernelSize: 3, padding: 1), inputShape: [2, 5, 5], name: "conv")
        var random = RandomSource(seed: 3)
        conv.initialize(random: &random)
        GradientCheck.check(conv, input: GradientCheck.randomTensor([3, 2, 5, 5], seed: 4), threads: 2)
    }

    /// 16 channels in and out, 3×3, padding 1: the forward pass, the input gradient and the
    /// weight gradient by Winograd's methods (three images on two threads: a group of one and one
    /// of two), on even and odd sides and on two tiles.
    func testGradientsByWinograd() throws {
        for (h, w) in [(2, 4), (3, 5), (2, 9)] {
            let conv = try Conv2D(.init(filters: 16, kernelSize: 3, padding: 1), inputShape: [16, h, w], name: "conv")
            var random = RandomSource(seed: 13)
            conv.initialize(random: &random)
            GradientCheck.check(conv, input: GradientCheck.randomTensor([3, 16, h, w], seed: 14), threads: 2)
        }
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
