/// Fully connected: `y = x · Wᵀ + b`.
///
/// Shapes: input `[I]`, weight `[O, I]`, bias `[O]`, output `[O]`. The batch's rows are split over
/// threads for the forward pass and the input gradient, the weight rows for the weight gradient.
public final class Dense: Layer {
    public struct Configuration: Codable, Equatable, Sendable {
        public var outputs: Int
        public var weightInit: Initializer = .glorot
        public var biasInit: Initializer = .zeros

        public init(outputs: Int, weightInit: Initializer = .glorot, biasInit: Initializer = .zeros) {
            self.outputs = outputs
            self.weightInit = weightInit
            self.biasInit = biasInit
        }
    }

    public let configuration: Configuration
    public let inputShape: [Int]
    public let outputShape: [Int]
    public let weight: Parameter
    public let bias: Parameter
    private let inputs, outputs: Int
    private var input = Tensor()
    private let output = Tensor()
    private let inputGradient = Tensor()

    public init(_ configuration: Configuration, inputShape: [Int], name: String) throws {
        guard inputShape.count == 1 else { throw ArchitectureError("\(name): a dense layer needs flat input, not \(inputShape); add a flatten layer") }
        guard configuration.outputs > 0 else { throw ArchitectureError("\(name): a dense layer needs at least one output") }
        try ArchitectureLimits.activations([configuration.outputs], "\(name): the output")
        try ArchitectureLimits.parameterCount([configuration.outputs, inputShape[0]], "\(name): the weight")
        self.configuration = configuration
        self.inputShape = inputShape
        inputs = inputShape[0]
        outputs = configuration.outputs
        outputShape = [outputs]
        weight = Parameter(name: "\(name).weight", shape: [outputs, inputs], decays: true)
        bias = Parameter(name: "\(name).bias", shape: [outputs], decays: false)
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var multiplyAdds: Int { inputs * outputs }

    public func initialize(random: inout RandomSource) {
        configuration.weightInit.fill(weight.value, fanIn: inputs, fanOut: outputs, random: &random)
        configuration.biasInit.fill(bias.value, fanIn: inputs, fanOut: outputs, random: &random)
    }

    public func forward(_ input: Tensor, context: RunContext) -> Tensor {
        let batch = input.shape[0]
        self.input = input
        output.resize(to: [batch, outputs])
        let x = input.data, y = output.data, w = weight.value.data, b = bias.value.data
        Parallel.chunks(batch, threads: context.threads) { rows, _ in
            for n in rows { (y + n * outputs).update(from: b, count: outputs) }
            BLAS.gemm(transposeA: false, transposeB: true, m: rows.count, n: outputs, k: inputs,
                      a: x + rows.lowerBound * inputs, lda: inputs, b: w, ldb: inputs,
                      beta: 1, c: y + rows.lowerBound * outputs, ldc: outputs)
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: RunContext, needsInputGradient: Bool) -> Tensor? {
        let batch = outputGradient.shape[0]
        let dy = outputGradient.data, x = input.data, w = weight.value.data
        let dw = weight.gradient.data, db = bias.gradient.data
        // dW = dYᵀ · X and db = Σ dY, split over output rows.
        Parallel.chunks(outputs, threads: context.threads) { rows, _ in
            BLAS.gemm(transposeA: true, transposeB: false, m: rows.count, n: inputs, k: batch,
                      a: dy + rows.lowerBound, lda: outputs, b: x, ldb: inputs,
                      beta: 0, c: dw + rows.lowerBound * inputs, ldc: inputs)
            for o in rows {
                var sum: Float = 0
                for n in 0..<batch { sum += dy[n * outputs + o] }
                db[o] = sum
            }
        }
        guard needsInputGradient else { return nil }
        inputGradient.resize(to: [batch, inputs])
        let dx = inputGradient.data
        // dX = dY · W, split over the batch.
        Parallel.chunks(batch, threads: context.threads) { rows, _ in
            BLAS.gemm(transposeA: false, transposeB: false, m: rows.count, n: inputs, k: outputs,
                      a: dy + rows.lowerBound * outputs, lda: outputs, b: w, ldb: inputs,
                      beta: 0, c: dx + rows.lowerBound * inputs, ldc: inputs)
        }
        return inputGradient
    }
}
