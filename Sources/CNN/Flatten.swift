/// `[C, H, W]` → `[C·H·W]`, keeping the batch dimension.
public final class Flatten: Layer {
    public let inputShape: [Int]
    public let outputShape: [Int]
    private let output = Tensor()
    private let inputGradient = Tensor()

    public init(inputShape: [Int]) {
        self.inputShape = inputShape
        outputShape = [inputShape.reduce(1, *)]
    }

    public func forward(_ input: Tensor, context: RunContext) -> Tensor {
        output.copy(from: input)
        output.reshape(to: [input.shape[0]] + outputShape)
        return output
    }

    public func backward(_ outputGradient: Tensor, context: RunContext, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        inputGradient.copy(from: outputGradient)
        inputGradient.reshape(to: [outputGradient.shape[0]] + inputShape)
        return inputGradient
    }
}
