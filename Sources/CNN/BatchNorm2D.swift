import Foundation

/// Batch normalisation over each channel of NCHW input (Ioffe & Szegedy, 2015):
/// `y = γ · (x − μ) / √(σ² + ε) + β`, with μ and σ² the channel's mean and (biased) variance over
/// the batch and all positions in training, and running averages of them in inference.
///
/// Shapes: input and output `[C, H, W]`; γ, β and the running statistics `[C]`. Channels are
/// split over threads and each channel's sums are taken in one fixed order, so results do not
/// depend on the thread count.
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
    public var outputShape: [Int] { inputShape }
    public let scale: Parameter
    public let shift: Parameter
    /// Running mean and (unbiased) variance: not trained by gradient, but saved with the weights.
    public let runningMean: Tensor
    public let runningVariance: Tensor
    private let name: String
    private let channels, positions: Int
    /// The last training batch's statistics per channel, for backward.
    private let batchMean: Tensor
    private let batchInverseDeviation: Tensor
    private var input = Tensor()
    private let output = Tensor()
    private let inputGradient = Tensor()

    public init(_ configuration: Configuration, inputShape: [Int], name: String) throws {
        guard inputShape.count == 3 else { throw ArchitectureError("\(name): batch normalisation needs [channels, height, width] input, not \(inputShape)") }
        guard configuration.momentum > 0, configuration.momentum <= 1, configuration.epsilon > 0 else {
            throw ArchitectureError("\(name): batch normalisation needs momentum in (0, 1] and a positive epsilon")
        }
        self.configuration = configuration
        self.inputShape = inputShape
        self.name = name
        channels = inputShape[0]
        positions = inputShape[1] * inputShape[2]
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
        let batch = input.shape[0]
        self.input = input
        output.resize(to: input.shape)
        let x = input.data, y = output.data
        let gamma = scale.value.data, beta = shift.value.data
        let mean = batchMean.data, inverse = batchInverseDeviation.data
        let runMean = runningMean.data, runVariance = runningVariance.data
        let count = batch * positions, momentum = context.statisticsWeight ?? configuration.momentum, epsilon = configuration.epsilon
        Parallel.chunks(channels, threads: context.threads) { range, _ in
            for c in range {
                let mu: Float, invStd: Float
                if context.training {
                    // Float sums within a plane, Double across planes.
                    var sum = 0.0, squares = 0.0
                    for n in 0..<batch {
                        let plane = x + (n * channels + c) * positions
                        let (planeSum, planeSquares) = Self.sums(plane, plane, centredOn: 0, count: positions)
                        sum += Double(planeSum)
                        squares += Double(planeSquares)
                    }
                    let m = sum / Double(count)
                    let variance = max(squares / Double(count) - m * m, 0)
                    mu = Float(m)
                    invStd = Float(1 / (variance + Double(epsilon)).squareRoot())
                    mean[c] = mu
                    inverse[c] = invStd
                    let unbiased = count > 1 ? Float(variance * Double(count) / Double(count - 1)) : Float(variance)
                    runMean[c] = (1 - momentum) * runMean[c] + momentum * mu
                    runVariance[c] = (1 - momentum) * runVariance[c] + momentum * unbiased
                } else {
                    mu = runMean[c]
                    invStd = 1 / (runVariance[c] + epsilon).squareRoot()
                }
                let a = gamma[c] * invStd, b = beta[c] - a * mu
                let av = SIMD8(repeating: a), bv = SIMD8(repeating: b)
                for n in 0..<batch {
                    let offset = (n * channels + c) * positions
                    let xs = x + offset, ys = y + offset
                    var i = 0
                    while i + 8 <= positions {
                        FloatRun.store8(av * FloatRun.load8(xs + i) + bv, ys + i)
                        i += 8
                    }
                    for j in i..<positions { ys[j] = a * xs[j] + b }
                }
            }
        }
        return output
    }

    // MARK: backward

    /// With x̂ the normalised input and M the values per channel:
    /// `∂x = γ/(σ·M) · (M·∂y − Σ∂y − x̂·Σ(∂y·x̂))`, `∂γ = Σ(∂y·x̂)`, `∂β = Σ∂y`.
    public func backward(_ outputGradient: Tensor, context: RunContext, needsInputGradient: Bool) -> Tensor? {
        let batch = outputGradient.shape[0]
        if needsInputGradient { inputGradient.resize(to: outputGradient.shape) }
        let dy = outputGradient.data, x = input.data, dx = inputGradient.data
        let gamma = scale.value.data, dGamma = scale.gradient.data, dBeta = shift.gradient.data
        let mean = batchMean.data, inverse = batchInverseDeviation.data
        let count = Float(batch * positions)
        Parallel.chunks(channels, threads: context.threads) { range, _ in
            for c in range {
                let mu = mean[c], invStd = inverse[c]
                var sumDyDouble = 0.0, sumDyCentredDouble = 0.0
                for n in 0..<batch {
                    let offset = (n * channels + c) * positions
                    let (planeDy, planeDyCentred) = Self.sums(dy + offset, x + offset, centredOn: mu, count: positions)
                    sumDyDouble += Double(planeDy)
                    sumDyCentredDouble += Double(planeDyCentred)
                }
                let sumDy = Float(sumDyDouble), sumDyXhat = Float(sumDyCentredDouble) * invStd
                dGamma[c] = sumDyXhat
                dBeta[c] = sumDy
                guard needsInputGradient else { continue }
                let factor = gamma[c] * invStd / count
                let (muV, invStdV, factorV) = (SIMD8(repeating: mu), SIMD8(repeating: invStd), SIMD8(repeating: factor))
                let (countV, sumDyV, sumDyXhatV) = (SIMD8(repeating: count), SIMD8(repeating: sumDy), SIMD8(repeating: sumDyXhat))
                for n in 0..<batch {
                    let offset = (n * channels + c) * positions
                    let xs = x + offset, dys = dy + offset, dxs = dx + offset
                    var i = 0
                    while i + 8 <= positions {
                        let xhat = (FloatRun.load8(xs + i) - muV) * invStdV
                        FloatRun.store8(factorV * (countV * FloatRun.load8(dys + i) - sumDyV - xhat * sumDyXhatV), dxs + i)
                        i += 8
                    }
                    for j in i..<positions {
                        let xhat = (xs[j] - mu) * invStd
                        dxs[j] = factor * (count * dys[j] - sumDy - xhat * sumDyXhat)
                    }
                }
            }
        }
        return needsInputGradient ? inputGradient : nil
    }

    // MARK: sums

    /// Σa and Σa·(b − centre) over `count` values — with `b = a` and centre 0, Σx and Σx². Eight
    /// running totals per sum, so that the loop vectorises (a single Float total is one long
    /// chain of dependent additions); positions past the last multiple of eight are added one at
    /// a time.
    private static func sums(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, centredOn centre: Float, count: Int) -> (Float, Float) {
        var sums = SIMD8<Float>(), products = SIMD8<Float>(), i = 0
        let c = SIMD8<Float>(repeating: centre)
        while i + 8 <= count {
            let v = FloatRun.load8(a + i)
            sums += v
            products += v * (FloatRun.load8(b + i) - c)
            i += 8
        }
        var result = (sums.sum(), products.sum())
        for j in i..<count {
            result.0 += a[j]
            result.1 += a[j] * (b[j] - centre)
        }
        return result
    }
}
