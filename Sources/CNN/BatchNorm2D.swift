import CKernels

/// Batch normalisation over each channel of NCHW input (Ioffe & Szegedy, 2015):
/// `y = γ · (x − μ) / √(σ² + ε) + β`, with μ and σ² the channel's mean and (biased) variance over
/// the batch and all positions in training, and running averages of them in inference.
///
/// With an `epilogue` it also does the work of the ReLU, or the 2×2 pooling and ReLU, after it
/// (`Network` gives it those): each plane is normalised, pooled and rectified in one sweep, and
/// backward takes the gradient back through all of them in the passes batch normalisation makes
/// anyway — the normalised values before pooling are never stored, and the gradient before
/// pooling is never gathered, zeroed or read back.
///
/// Shapes: input `[C, H, W]`, output the same or, pooled, `[C, H / 2, W / 2]`; γ, β and the
/// running statistics `[C]`. Channels are split over threads and each channel's sums are taken
/// in one fixed order, so results do not depend on the thread count.
public final class BatchNorm2D: Layer {
    public struct Configuration: Codable, Equatable, Sendable {
        /// Weight of the current batch in the running averages.
        public var momentum: Float = 0.1
        public var epsilon: Float = 1e-5

        public init(momentum: Float = 0.1, epsilon: Float = 1e-5) {
            self.momentum = momentum
            self.epsilon = epsilon
        }
    }

    public let configuration: Configuration
    public let inputShape: [Int]
    public let outputShape: [Int]
    public let epilogue: Epilogue
    public let scale: Parameter
    public let shift: Parameter
    /// Running mean and (unbiased) variance: not trained by gradient, but saved with the weights.
    public let runningMean: Tensor
    public let runningVariance: Tensor
    private let name: String
    private let channels, height, width, positions, outputPositions: Int
    /// The last training batch's statistics per channel, for backward.
    private let batchMean: Tensor
    private let batchInverseDeviation: Tensor
    private var input = Tensor()
    private let output = Tensor()
    private let inputGradient = Tensor()
    /// Each plane's two sums, `[N·C, 2]` (`planeSums`).
    private let sumsPerPlane = Tensor()
    /// With a pooling epilogue, for each output value the offset within its input plane of the
    /// window's maximum (the first one on ties), where backward routes its gradient.
    private var argmax: [Int32] = []

    public init(_ configuration: Configuration, inputShape: [Int], name: String, epilogue: Epilogue = .none) throws {
        guard inputShape.count == 3 else { throw ArchitectureError("\(name): batch normalisation needs [channels, height, width] input, not \(inputShape)") }
        guard configuration.momentum > 0, configuration.momentum <= 1, configuration.epsilon > 0 else {
            throw ArchitectureError("\(name): batch normalisation needs momentum in (0, 1] and a positive epsilon")
        }
        if epilogue == .maxPool2x2ThenReLU, inputShape[1] < 2 || inputShape[2] < 2 {
            throw ArchitectureError("\(name): a 2×2 pool does not fit a \(inputShape[1])×\(inputShape[2]) input")
        }
        self.configuration = configuration
        self.inputShape = inputShape
        self.epilogue = epilogue
        outputShape = epilogue.outputShape(inputShape)
        self.name = name
        channels = inputShape[0]
        height = inputShape[1]
        width = inputShape[2]
        positions = height * width
        outputPositions = outputShape[1] * outputShape[2]
        scale = Parameter(name: "\(name).scale", shape: [channels], decays: false)
        shift = Parameter(name: "\(name).shift", shape: [channels], decays: false)
        runningMean = Tensor(shape: [channels])
        runningVariance = Tensor(shape: [channels], repeating: 1)
        batchMean = Tensor(shape: [channels])
        batchInverseDeviation = Tensor(shape: [channels])
    }

    public var parameters: [Parameter] { [scale, shift] }
    public var buffers: [(name: String, tensor: Tensor)] {
        [("\(name).running_mean", runningMean), ("\(name).running_variance", runningVariance)]
    }

    public func initialize(random: inout RandomSource) {
        scale.value.buffer.update(repeating: 1)
        shift.value.zero()
        runningMean.zero()
        runningVariance.buffer.update(repeating: 1)
    }

    /// Inference maps each channel through `a·x + b`; these are `a` and `b` per channel.
    public var inferenceAffine: (scale: [Float], shift: [Float]) {
        let a = (0..<channels).map { scale.value[$0] / (runningVariance[$0] + configuration.epsilon).squareRoot() }
        return (a, (0..<channels).map { shift.value[$0] - a[$0] * runningMean[$0] })
    }

    // MARK: forward

    public func forward(_ input: Tensor, context: RunContext) -> Tensor {
        let batch = input.shape[0], planes = batch * channels
        self.input = input
        output.resize(to: [batch] + outputShape)
        if epilogue == .maxPool2x2ThenReLU, argmax.count < output.count { argmax = [Int32](repeating: 0, count: output.count) }
        let x = input.data, y = output.data
        let gamma = scale.value.data, beta = shift.value.data
        let mean = batchMean.data, inverse = batchInverseDeviation.data
        let runMean = runningMean.data, runVariance = runningVariance.data
        if context.training {
            let sums = planeSums(planes: planes, threads: context.threads) { Self.sums(x + $0 * positions, x + $0 * positions, centredOn: 0, count: positions) }
            let count = batch * positions, momentum = context.statisticsWeight ?? configuration.momentum
            for c in 0..<channels {
                let (sum, squares) = Self.channelTotal(sums, channel: c, channels: channels, batch: batch)
                let m = sum / Double(count)
                let variance = max(squares / Double(count) - m * m, 0)
                mean[c] = Float(m)
                inverse[c] = Float(1 / (variance + Double(configuration.epsilon)).squareRoot())
                let unbiased = count > 1 ? Float(variance * Double(count) / Double(count - 1)) : Float(variance)
                runMean[c] = (1 - momentum) * runMean[c] + momentum * mean[c]
                runVariance[c] = (1 - momentum) * runVariance[c] + momentum * unbiased
            }
        }
        let affine = (0..<channels).map { c in
            context.training ? Self.affine(gamma[c], beta[c], mean: mean[c], inverseDeviation: inverse[c])
                : Self.affine(gamma[c], beta[c], mean: runMean[c], inverseDeviation: 1 / (runVariance[c] + configuration.epsilon).squareRoot())
        }
        argmax.withUnsafeMutableBufferPointer { argmaxBuffer in
            let arg = argmaxBuffer.baseAddress
            Parallel.chunks(planes, threads: context.threads) { range, _ in
                for plane in range {
                    normalize(x + plane * positions, affine[plane % channels], into: y + plane * outputPositions,
                              argmax: arg.map { $0 + plane * outputPositions })
                }
            }
        }
        return output
    }

    /// `sums(plane)` for every plane of the batch, `[N·C, 2]`. The planes are taken in the order
    /// they lie in memory, split over threads, and each one's sums alone: the totals per channel
    /// (`channelTotal`) then add them up in one fixed order, whatever the thread count.
    private func planeSums(planes: Int, threads: Int, _ sums: (Int) -> (Float, Float)) -> UnsafeMutablePointer<Float> {
        sumsPerPlane.resize(to: [planes, 2])
        let totals = sumsPerPlane.data
        Parallel.chunks(planes, threads: threads) { range, _ in
            for plane in range { (totals[2 * plane], totals[2 * plane + 1]) = sums(plane) }
        }
        return totals
    }

    /// Channel `c`'s sums over the batch's images: Float sums within a plane, Double across them.
    private static func channelTotal(_ sums: UnsafePointer<Float>, channel c: Int, channels: Int, batch: Int) -> (Double, Double) {
        var total = (0.0, 0.0)
        for n in 0..<batch {
            total.0 += Double(sums[2 * (n * channels + c)])
            total.1 += Double(sums[2 * (n * channels + c) + 1])
        }
        return total
    }

    /// `a·x + b` per channel, from γ, β and the statistics: forward and backward (which decides
    /// from it where ReLU let the gradient through) make it the same way, to the bit.
    @inline(__always)
    private static func affine(_ gamma: Float, _ beta: Float, mean: Float, inverseDeviation: Float) -> (a: Float, b: Float) {
        let a = gamma * inverseDeviation
        return (a, beta - a * mean)
    }

    /// One plane through `a·x + b` and the epilogue, in `CKernels` for vectors as wide as the
    /// processor has.
    private func normalize(_ x: UnsafePointer<Float>, _ affine: (a: Float, b: Float), into y: UnsafeMutablePointer<Float>,
                           argmax: UnsafeMutablePointer<Int32>?) {
        ck_bn_normalize(x, Int32(height), Int32(width), affine.a, affine.b, epilogue.kernelCode, y, argmax)
    }

    // MARK: backward

    /// With x̂ the normalised input and M the values per channel:
    /// `∂x = γ/(σ·M) · (M·∂y − Σ∂y − x̂·Σ(∂y·x̂))`, `∂γ = Σ(∂y·x̂)`, `∂β = Σ∂y`, where ∂y is the
    /// gradient with respect to the normalised values: the output gradient where ReLU let the
    /// value through (it was positive), and after pooling only at each window's maximum, 0
    /// elsewhere.
    public func backward(_ outputGradient: Tensor, context: RunContext, needsInputGradient: Bool) -> Tensor? {
        let batch = outputGradient.shape[0], planes = batch * channels
        if needsInputGradient { inputGradient.resize(to: [batch] + inputShape) }
        let dy = outputGradient.data, x = input.data, dx = inputGradient.data, y = output.data
        let gamma = scale.value.data, beta = shift.value.data, dGamma = scale.gradient.data, dBeta = shift.gradient.data
        let mean = batchMean.data, inverse = batchInverseDeviation.data
        let gates = (0..<channels).map { c in
            epilogue == .relu ? Self.affine(gamma[c], beta[c], mean: mean[c], inverseDeviation: inverse[c]) : nil
        }
        argmax.withUnsafeBufferPointer { argmaxBuffer in
            let arg = argmaxBuffer.baseAddress
            let sums = planeSums(planes: planes, threads: context.threads) { plane in
                let (xs, mu) = (x + plane * positions, mean[plane % channels])
                if epilogue == .maxPool2x2ThenReLU {
                    let at = plane * outputPositions
                    return Self.pooledSums(dy + at, y + at, arg! + at, xs, centredOn: mu, count: outputPositions)
                }
                return Self.sums(dy + plane * positions, xs, centredOn: mu, count: positions, gate: gates[plane % channels])
            }
            let count = Float(batch * positions)
            let terms = (0..<channels).map { c in
                let (sumDy, sumDyCentred) = Self.channelTotal(sums, channel: c, channels: channels, batch: batch)
                dGamma[c] = Float(sumDyCentred) * inverse[c]
                dBeta[c] = Float(sumDy)
                return GradientTerms(mean: mean[c], inverseDeviation: inverse[c], factor: gamma[c] * inverse[c] / count, count: count,
                                     sumDy: dBeta[c], sumDyXhat: dGamma[c])
            }
            guard needsInputGradient else { return }
            Parallel.chunks(planes, threads: context.threads) { range, _ in
                for plane in range {
                    let terms = terms[plane % channels]
                    let xs = x + plane * positions, dxs = dx + plane * positions
                    guard epilogue == .maxPool2x2ThenReLU else {
                        terms.write(dy: dy + plane * positions, x: xs, gate: gates[plane % channels], into: dxs, count: positions)
                        continue
                    }
                    terms.write(dy: nil, x: xs, gate: nil, into: dxs, count: positions)
                    let at = plane * outputPositions, gs = dy + at, ys = y + at, positionOf = arg! + at
                    for o in 0..<outputPositions {
                        let i = Int(positionOf[o])
                        dxs[i] = terms.value(dy: ys[o] > 0 ? gs[o] : 0, x: xs[i])
                    }
                }
            }
        }
        return needsInputGradient ? inputGradient : nil
    }

    /// One channel's `∂x = factor · (M·∂y − Σ∂y − x̂·Σ(∂y·x̂))`.
    private struct GradientTerms {
        let mean, inverseDeviation, factor, count, sumDy, sumDyXhat: Float

        @inline(__always)
        func value(dy: Float, x: Float) -> Float {
            let xhat = (x - mean) * inverseDeviation
            return factor * (count * dy - sumDy - xhat * sumDyXhat)
        }

        /// `count` values of ∂x from ∂y (0 everywhere when nil, gated by ReLU with `gate`).
        @inline(__always)
        func write(dy: UnsafePointer<Float>?, x: UnsafePointer<Float>, gate: (a: Float, b: Float)?,
                   into dx: UnsafeMutablePointer<Float>, count n: Int) {
            let (muV, invStdV, factorV) = (SIMD8(repeating: mean), SIMD8(repeating: inverseDeviation), SIMD8(repeating: factor))
            let (countV, sumDyV, sumDyXhatV) = (SIMD8(repeating: count), SIMD8(repeating: sumDy), SIMD8(repeating: sumDyXhat))
            var i = 0
            while i + 8 <= n {
                let xv = FloatRun.load8(x + i)
                let dyv = dy.map { BatchNorm2D.gated(FloatRun.load8($0 + i), x: xv, gate) } ?? SIMD8()
                let xhat = (xv - muV) * invStdV
                FloatRun.store8(factorV * (countV * dyv - sumDyV - xhat * sumDyXhatV), dx + i)
                i += 8
            }
            for j in i..<n { dx[j] = value(dy: dy.map { BatchNorm2D.gated($0[j], x: x[j], gate) } ?? 0, x: x[j]) }
        }
    }

    /// `dy` where ReLU let `a·x + b` through (it was positive), 0 elsewhere; `dy` without a gate.
    @inline(__always)
    private static func gated(_ dy: Float, x: Float, _ gate: (a: Float, b: Float)?) -> Float {
        guard let gate else { return dy }
        return gate.a * x + gate.b > 0 ? dy : 0
    }

    /// The same for eight values at a time.
    @inline(__always)
    private static func gated(_ dy: SIMD8<Float>, x: SIMD8<Float>, _ gate: (a: Float, b: Float)?) -> SIMD8<Float> {
        guard let gate else { return dy }
        let zero = SIMD8<Float>()
        return zero.replacing(with: dy, where: SIMD8(repeating: gate.a) * x + SIMD8(repeating: gate.b) .> zero)
    }

    // MARK: sums

    /// Σa and Σa·(b − centre) over `count` values — with `b = a` and centre 0, Σx and Σx²; with
    /// a `gate`, each `a` counts only where `gate.a·b + gate.b` is positive. Eight running totals
    /// per sum, so that the loop vectorises (a single Float total is one long chain of dependent
    /// additions); positions past the last multiple of eight are added one at a time.
    private static func sums(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, centredOn centre: Float, count: Int,
                             gate: (a: Float, b: Float)? = nil) -> (Float, Float) {
        var sums = SIMD8<Float>(), products = SIMD8<Float>(), i = 0
        let c = SIMD8<Float>(repeating: centre)
        while i + 8 <= count {
            let bv = FloatRun.load8(b + i)
            let v = gated(FloatRun.load8(a + i), x: bv, gate)
            sums += v
            products += v * (bv - c)
            i += 8
        }
        var result = (sums.sum(), products.sum())
        for j in i..<count {
            let v = gated(a[j], x: b[j], gate)
            result.0 += v
            result.1 += v * (b[j] - centre)
        }
        return result
    }

    /// The same sums after pooling and ReLU: over the `count` output gradients `dy` whose output
    /// `y` is positive, each paired with the input at its window's maximum.
    private static func pooledSums(_ dy: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ argmax: UnsafePointer<Int32>,
                                   _ x: UnsafePointer<Float>, centredOn centre: Float, count: Int) -> (Float, Float) {
        var result: (Float, Float) = (0, 0)
        for o in 0..<count where y[o] > 0 {
            result.0 += dy[o]
            result.1 += dy[o] * (x[Int(argmax[o])] - centre)
        }
        return result
    }
}
