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
            Self.rectify(x + items.lowerBound * size, into: y + items.lowerBound * size, count: items.count * size)
        }
        return output
    }

    /// `y[i] = max(x[i], 0)` for `i < count`; `x` may be `y`.
    static func rectify(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            FloatRun.store8(rectified(FloatRun.load8(x + i)), y + i)
            i += 8
        }
        for j in i..<count { y[j] = max(x[j], 0) }
    }

    /// max(v, 0) is `0 >= v ? 0 : v`, lane by lane: −0 becomes 0, NaN stays.
    @inline(__always)
    static func rectified(_ v: SIMD8<Float>) -> SIMD8<Float> {
        let zero = SIMD8<Float>()
        return v.replacing(with: zero, where: zero .>= v)
    }

    /// The derivative is 1 where the output is positive and 0 elsewhere (0 at the kink).
    public func backward(_ outputGradient: Tensor, context: RunContext, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        inputGradient.resize(to: outputGradient.shape)
        let dy = outputGradient.data, y = output.data, dx = inputGradient.data, size = outputGradient.itemSize
        Parallel.chunks(outputGradient.shape[0], threads: context.threads) { items, _ in
            var i = items.lowerBound * size
            let end = items.upperBound * size, zero = SIMD8<Float>()
            while i + 8 <= end {
                FloatRun.store8(zero.replacing(with: FloatRun.load8(dy + i), where: FloatRun.load8(y + i) .> zero), dx + i)
                i += 8
            }
            for j in i..<end { dx[j] = y[j] > 0 ? dy[j] : 0 }
        }
        return inputGradient
    }
}
