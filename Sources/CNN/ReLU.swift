/// `max(0, x)` elementwise. Any shape.
public final class ReLU: Layer {
    public let inputShape: [Int]
    public var outputShape: [Int] { inputShape }
    private let output = Tensor()
    private let inputGradient = Tensor()

    public init(inputShape: [Int]) { self.inputShape = inputShape }

    public func forward(_ input: Tensor, context: RunContext) -> Tensor {
        output.resize(to: input.shape)
        let x = input.data, y = output.data, size = input.itemSize
        Parallel.chunks(input.shape[0], threads: context.threads) { items, _ in
            for i in items.lowerBound * size ..< items.upperBound * size { y[i] = max(x[i], 0) }
        }
        return output
    }

    /// The derivative is 1 where the output is positive and 0 elsewhere (0 at the kink).
    public func backward(_ outputGradient: Tensor, context: RunContext, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        inputGradient.resize(to: outputGradient.shape)
        let dy = outputGradient.data, y = output.data, dx = inputGradient.data, size = outputGradient.itemSize
        Parallel.chunks(outputGradient.shape[0], threads: context.threads) { items, _ in
            for i in items.lowerBound * size ..< items.upperBound * size { dx[i] = y[i] > 0 ? dy[i] : 0 }
        }
        return inputGradient
    }
}
