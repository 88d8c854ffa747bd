/// Inverted dropout: in training each element is zeroed with probability `rate` and the survivors
/// are scaled by `1 / (1 − rate)`, so inference is the identity.
///
/// Each item's mask is drawn from its own generator, seeded from the batch seed, the layer and the
/// item's position in the batch, so masks do not depend on the thread count.
public final class Dropout: Layer {
    public let rate: Float
    public let inputShape: [Int]
    public var outputShape: [Int] { inputShape }
    private let layerIndex: Int
    private let mask = Tensor()
    private let output = Tensor()
    private let inputGradient = Tensor()

    public init(rate: Float, inputShape: [Int], layerIndex: Int, name: String) throws {
        guard rate >= 0, rate < 1 else { throw ArchitectureError("\(name): a dropout rate must be in [0, 1), not \(rate)") }
        self.rate = rate
        self.inputShape = inputShape
        self.layerIndex = layerIndex
    }

    public func forward(_ input: Tensor, context: RunContext) -> Tensor {
        guard context.training, rate > 0 else { return input }
        let batch = input.shape[0], size = input.itemSize
        output.resize(to: input.shape)
        mask.resize(to: input.shape)
        let x = input.data, y = output.data, m = mask.data
        let keep = 1 - rate, scale = 1 / (1 - rate)
        Parallel.chunks(batch, threads: context.threads) { range, _ in
            for n in range {
                var random = RandomSource(seed: context.randomSeed, stream: RandomStream.dropout.rawValue,
                                          index: UInt64(layerIndex) << 32 | UInt64(n))
                for i in n * size ..< (n + 1) * size {
                    m[i] = random.nextUniform() < keep ? scale : 0
                    y[i] = x[i] * m[i]
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: RunContext, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard rate > 0 else { return outputGradient }
        inputGradient.resize(to: outputGradient.shape)
        let dy = outputGradient.data, dx = inputGradient.data, m = mask.data
        for i in 0..<outputGradient.count { dx[i] = dy[i] * m[i] }
        return inputGradient
    }
}
