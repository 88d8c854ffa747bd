import CNN
import Dispatch
import TestSupport
import XCTest

final class BatchNorm2DTests: XCTestCase {
    private func layer(channels: Int, height: Int = 1, width: Int = 2) throws -> BatchNorm2D {
        let norm = try BatchNorm2D(.init(momentum: 0.5, epsilon: 1e-5), inputShape: [channels, height, width], name: "norm")
        var random = RandomSource(seed: 1)
        norm.initialize(random: &random)
        return norm
    }

    /// Channel 0 holds 1, 3 (image 0) and 5, 7 (image 1): mean 4, variance 5, so the outputs are
    /// ±3/√5 and ±1/√5, then scaled by γ = 2 and shifted by β = 1. Channel 1 is constant: 0 → β.
    func testHandComputedTrainingForwardAndRunningStatistics() throws {
        let norm = try layer(channels: 2)
        norm.scale.value.copy(from: Tensor(shape: [2], values: [2, 1]))
        norm.shift.value.copy(from: Tensor(shape: [2], values: [1, -1]))
        let input = Tensor(shape: [2, 2, 1, 2], values: [1, 3, 9, 9, 5, 7, 9, 9])
        let y = norm.forward(input, context: RunContext(training: true, threads: 1)).values
        let s = Float(5 + 1e-5).squareRoot()
        let expected: [Float] = [1 - 6 / s, 1 - 2 / s, -1, -1, 1 + 2 / s, 1 + 6 / s, -1, -1]
        for (a, b) in zip(y, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        // Running averages with momentum 0.5: mean 0.5·4, variance 0.5·1 + 0.5·(20/3) (unbiased).
        XCTAssertEqual(norm.runningMean.values, [2, 4.5])
        XCTAssertEqual(norm.runningVariance[0], 0.5 + 0.5 * 20 / 3, accuracy: 1e-5)
        XCTAssertEqual(norm.runningVariance[1], 0.5, accuracy: 1e-6)
        // Inference uses the running statistics.
        let inference = norm.forward(Tensor(shape: [1, 2, 1, 2], values: [2, 2, 4.5, 4.5]), context: RunContext(training: false, threads: 1))
        XCTAssertEqual(inference[0], 1, accuracy: 1e-5)
        XCTAssertEqual(inference[2], -1, accuracy: 1e-5)
    }

    /// With weights 1, 1/2, 1/3 the running statistics are the plain means of three batches':
    /// means 2, 7, 3 → 4; unbiased variances 2, 8, 0 → 10/3.
    func testStatisticsWeightGivesPlainMeanOverBatches() throws {
        let norm = try layer(channels: 1)
        let batches: [[Float]] = [[1, 3], [5, 9], [3, 3]]
        for (k, values) in batches.enumerated() {
            let context = RunContext(training: true, threads: 1, statisticsWeight: 1 / Float(k + 1))
            _ = norm.forward(Tensor(shape: [1, 1, 1, 2], values: values), context: context)
        }
        XCTAssertEqual(norm.runningMean[0], 4, accuracy: 1e-6)
        XCTAssertEqual(norm.runningVariance[0], 10.0 / 3, accuracy: 1e-6)
    }

    func testGradient() throws {
        let norm = try layer(channels: 3, height: 2, width: 3)
        norm.scale.value.copy(from: Tensor(shape: [3], values: [0.5, 1.5, -1]))
        norm.shift.value.copy(from: Tensor(shape: [3], values: [0.1, -0.2, 0.3]))
        GradientCheck.check(norm, input: GradientCheck.randomTensor([4, 3, 2, 3], seed: 3), threads: 2, step: 1e-2, tolerance: 3e-2)
    }

    func testSameResultWithAnyThreadCount() throws {
        let input = GradientCheck.randomTensor([5, 4, 3, 3], seed: 8)
        let a = try layer(channels: 4, height: 3, width: 3), b = try layer(channels: 4, height: 3, width: 3)
        XCTAssertEqual(a.forward(input, context: RunContext(training: true, threads: 1)).values,
                       b.forward(input, context: RunContext(training: true, threads: 2)).values)
    }

    /// Batch normalisation with an epilogue gives what it gives without one through the layers it
    /// takes over — the same outputs and running statistics, and to rounding the same gradients —
    /// on even and odd sides (pooling drops the last odd row and column), in training and
    /// inference, over two threads.
    func testEpiloguesEqualTheLayersTheyTakeOver() throws {
        for (channels, h, w) in [(3, 6, 8), (2, 5, 7), (4, 14, 14), (1, 2, 3)] {
            let shape = [channels, h, w]
            let input = GradientCheck.randomTensor([5] + shape, seed: UInt64(h * 10 + w))
            for epilogue in [Epilogue.relu, .maxPool2x2ThenReLU] {
                let plain = try layer(channels: channels, height: h, width: w)
                let fused = try BatchNorm2D(plain.configuration, inputShape: shape, name: "norm", epilogue: epilogue)
                for norm in [plain, fused] {
                    norm.scale.value.copy(from: Tensor(shape: [channels], values: (0..<channels).map { Float($0) * 0.5 - 0.7 }))
                    norm.shift.value.copy(from: Tensor(shape: [channels], values: (0..<channels).map { Float($0 % 3) * 0.2 - 0.1 }))
                }
                var taken: [any Layer] = [ReLU(inputShape: shape)]
                if epilogue == .maxPool2x2ThenReLU {
                    let pool = try MaxPool2D(size: 2, stride: 2, inputShape: shape, name: "pool")
                    taken = [pool, ReLU(inputShape: pool.outputShape)]
                }
                let context = RunContext(training: true, threads: 2)
                let expected = taken.reduce(plain.forward(input, context: context)) { $1.forward($0, context: context) }
                let output = fused.forward(input, context: context)
                let what = "\(epilogue) on \(channels)×\(h)×\(w)"
                XCTAssertEqual(Array(output.shape.dropFirst()), fused.outputShape, what)
                XCTAssertEqual(output.values, expected.values, what)
                XCTAssertEqual(fused.runningMean.values, plain.runningMean.values, what)
                XCTAssertEqual(fused.runningVariance.values, plain.runningVariance.values, what)

                let upstream = GradientCheck.randomTensor(output.shape, seed: 6)
                var gradient = upstream
                for later in taken.reversed() { gradient = later.backward(gradient, context: context, needsInputGradient: true)! }
                let expectedInput = plain.backward(gradient, context: context, needsInputGradient: true)!.values
                let actualInput = try XCTUnwrap(fused.backward(upstream, context: context, needsInputGradient: true)).values
                for (actual, expected) in zip(actualInput + fused.scale.gradient.values + fused.shift.gradient.values,
                                              expectedInput + plain.scale.gradient.values + plain.shift.gradient.values) {
                    XCTAssertEqual(actual, expected, accuracy: 1e-5 * max(1, abs(expected)), what)
                }
                XCTAssertTrue(actualInput.contains { $0 != 0 } && fused.scale.gradient.values.contains { $0 != 0 }, what)

                let inference = RunContext(training: false, threads: 2)
                let expectedInference = taken.reduce(plain.forward(input, context: inference)) { $1.forward($0, context: inference) }
                XCTAssertEqual(fused.forward(input, context: inference).values, expectedInference.values, what)
            }
        }
        XCTAssertThrowsError(try BatchNorm2D(.init(), inputShape: [2, 1, 4], name: "norm", epilogue: .maxPool2x2ThenReLU))
    }

    func testGradientWithEpilogues() throws {
        for epilogue in [Epilogue.relu, .maxPool2x2ThenReLU] {
            let norm = try BatchNorm2D(.init(), inputShape: [2, 4, 4], name: "norm", epilogue: epilogue)
            norm.scale.value.copy(from: Tensor(shape: [2], values: [0.8, -1.3]))
            norm.shift.value.copy(from: Tensor(shape: [2], values: [0.2, 0.1]))
            let input = Tensor(shape: [3, 2, 4, 4], values: GradientCheck.separatedValues(96, seed: 2, gap: 0.1))
            GradientCheck.check(norm, input: input, threads: 2, step: 1e-3, tolerance: 3e-2)
        }
    }

    /// Round trip with trained running statistics, which the weight file must carry.
    func testWeightFileRoundTripKeepsRunningStatistics() throws {
        let architecture = Architecture(name: "norm", inputShape: [2, 3, 3], layers: [
            .batchNorm2D(.init()), .relu, .flatten, .dense(.init(outputs: 2)),
        ])
        let network = try Network(architecture)
        network.initialize(seed: 2)
        _ = network.forward(GradientCheck.randomTensor([6, 2, 3, 3], seed: 4), context: RunContext(training: true, threads: 1))
        let directory = TemporaryDirectory()
        let path = directory.file("norm.cnnw")
        try ModelFile.write(network, header: ModelHeader(architecture: architecture, classNames: ["a", "b"]), to: path)
        let loaded = try ModelFile.read(path).network
        let probe = GradientCheck.randomTensor([3, 2, 3, 3], seed: 5)
        let context = RunContext(training: false, threads: 1)
        XCTAssertEqual(loaded.forward(probe, context: context).values, network.forward(probe, context: context).values)
        let original = network.layers[0] as! BatchNorm2D, restored = loaded.layers[0] as! BatchNorm2D
        XCTAssertNotEqual(original.runningMean.values, [0, 0])
        XCTAssertEqual(restored.runningMean.values, original.runningMean.values)
        XCTAssertEqual(restored.runningVariance.values, original.runningVariance.values)
        try assertWeightFileRoundTrip(architecture)
    }

    /// The fashion network folded for inference gives the same logits as the unfolded one, after
    /// training steps have moved the running statistics away from 0 and 1; conv layers with
    /// batch norm after them gain a bias, and the batch norm layers are gone.
    func testFoldingIntoConvolutionKeepsOutputs() throws {
        let network = try Network(.fashion)
        network.initialize(seed: 4)
        for layer in network.layers {
            guard let norm = layer as? BatchNorm2D else { continue }
            for c in 0..<norm.scale.value.count {
                norm.scale.value[c] = 0.5 + Float(c % 7) * 0.2
                norm.shift.value[c] = Float(c % 5) * 0.1 - 0.2
            }
        }
        for seed: UInt64 in 1...3 {
            _ = network.forward(GradientCheck.randomTensor([8, 1, 28, 28], seed: seed), context: RunContext(training: true, threads: 2))
        }
        let folded = try network.preparedForInference()
        XCTAssertFalse(folded.layers.contains { $0 is BatchNorm2D })
        // Conv, (pool, ReLU), conv, (ReLU), conv, (pool, ReLU): the epilogues take those over,
        // as the batch normalisations' did.
        XCTAssertEqual(folded.layers.compactMap { ($0 as? Conv2D)?.epilogue }, [.maxPool2x2ThenReLU, .relu, .maxPool2x2ThenReLU])
        XCTAssertEqual(network.layers.compactMap { ($0 as? BatchNorm2D)?.epilogue }, [.maxPool2x2ThenReLU, .relu, .maxPool2x2ThenReLU])
        XCTAssertEqual(folded.layers.count, network.layers.count - network.layers.filter { $0 is BatchNorm2D }.count)
        XCTAssertTrue(folded.layers.compactMap { $0 as? Conv2D }.allSatisfy { $0.bias != nil })
        let probe = GradientCheck.randomTensor([4, 1, 28, 28], seed: 9)
        let expected = network.forward(probe, context: RunContext(training: false, threads: 2)).values
        let actual = folded.forward(probe, context: RunContext(training: false, threads: 2)).values
        for (a, b) in zip(actual, expected) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b))) }
        // The dense layers are not folded: their weights are the original's, not a copy.
        let originalDense = network.layers.compactMap { $0 as? Dense }, foldedDense = folded.layers.compactMap { $0 as? Dense }
        XCTAssertEqual(originalDense.count, foldedDense.count)
        for (original, shared) in zip(originalDense, foldedDense) {
            XCTAssertEqual(shared.parameters.map(\.value.data), original.parameters.map(\.value.data))
            XCTAssertEqual(shared.parameters.map(\.value.shape), original.parameters.map(\.value.shape))
        }
        let denseOnly = try Network(Architecture(name: "dense", inputShape: [1, 4, 4], layers: [.flatten, .dense(.init(outputs: 3))]))
        XCTAssertTrue(try denseOnly.preparedForInference() === denseOnly, "nothing to fold or fuse")
    }

    /// A replica of the network prepared for inference keeps its epilogues and shares the weights
    /// and running statistics (a change to the original shows in it), while its activations are
    /// its own: two replicas on two threads at once give what each gives alone.
    func testReplicaSharesWeightsButNotActivations() throws {
        let network = try Network(.fashion)
        network.initialize(seed: 5)
        _ = network.forward(GradientCheck.randomTensor([8, 1, 28, 28], seed: 3), context: RunContext(training: true, threads: 1))
        let prepared = try network.preparedForInference()
        let replicas = [try prepared.replica(), try prepared.replica()]
        XCTAssertEqual(replicas[0].layers.compactMap { ($0 as? Conv2D)?.epilogue }, [.maxPool2x2ThenReLU, .relu, .maxPool2x2ThenReLU])
        let context = RunContext(training: false, threads: 1)
        let probes = [GradientCheck.randomTensor([6, 1, 28, 28], seed: 11), GradientCheck.randomTensor([5, 1, 28, 28], seed: 12)]
        let alone = probes.map { prepared.forward($0, context: context).values }
        var together: [[Float]] = [[], []]
        together.withUnsafeMutableBufferPointer { results in
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                for _ in 0..<3 { results[i] = replicas[i].forward(probes[i], context: context).values }
            }
        }
        XCTAssertEqual(together, alone)
        let dense = try XCTUnwrap(prepared.layers.last as? Dense)
        dense.bias.value[0] += 1
        let moved = replicas[1].forward(probes[1], context: context).values
        for row in 0..<5 { XCTAssertEqual(moved[row * 10], alone[1][row * 10] + 1, accuracy: 1e-4, "the replica sees the original's weights") }
        for (layer, copy) in zip(prepared.layers, replicas[0].layers) {
            XCTAssertFalse(copy === layer, "a replica's layers, and so its activations, are its own")
            XCTAssertEqual(copy.parameters.map(\.value.data), layer.parameters.map(\.value.data))
            XCTAssertEqual(copy.buffers.map(\.tensor.data), layer.buffers.map(\.tensor.data))
        }
    }
}
