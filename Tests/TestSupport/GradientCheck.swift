import CNN
import XCTest

/// Central-difference gradient checking for one layer.
///
/// The scalar checked is `L = Σ forward(x) ⊙ G` for a fixed random `G`, so `∂L/∂output = G` and the
/// layer's backward pass must return `∂L/∂x` and leave `∂L/∂θ` in its parameters' gradients.
public enum GradientCheck {
    public static func check(
        _ layer: any Layer, input: Tensor, threads: Int = 1, step: Float = 1e-2, tolerance: Double = 2e-2,
        seed: UInt64 = 7, file: StaticString = #filePath, line: UInt = #line
    ) {
        let context = RunContext(training: true, threads: threads, randomSeed: 99)
        var random = RandomSource(seed: seed)
        let output = layer.forward(input, context: context)
        let upstream = Tensor(shape: output.shape, values: (0..<output.count).map { _ in random.nextNormal() })
        guard let inputGradient = layer.backward(upstream, context: context, needsInputGradient: true) else {
            XCTFail("backward returned no input gradient", file: file, line: line)
            return
        }
        let analyticInput = inputGradient.values
        let analyticParameters = layer.parameters.map(\.gradient.values)

        func loss() -> Double {
            let y = layer.forward(input, context: context)
            var sum = 0.0
            for i in 0..<y.count { sum += Double(y[i]) * Double(upstream[i]) }
            return sum
        }
        func numeric(_ tensor: Tensor, _ index: Int) -> Double {
            let saved = tensor[index]
            tensor[index] = saved + step
            let plus = loss()
            tensor[index] = saved - step
            let minus = loss()
            tensor[index] = saved
            return (plus - minus) / (2 * Double(step))
        }
        func compare(_ name: String, _ tensor: Tensor, _ analytic: [Float]) {
            for index in 0..<tensor.count {
                let expected = numeric(tensor, index), actual = Double(analytic[index])
                let scale = max(1, abs(expected), abs(actual))
                if abs(expected - actual) / scale > tolerance {
                    XCTFail("\(name)[\(index)]: analytic \(actual), numeric \(expected)", file: file, line: line)
                    return
                }
            }
        }
        compare("input", input, analyticInput)
        for (parameter, analytic) in zip(layer.parameters, analyticParameters) {
            compare(parameter.name, parameter.value, analytic)
        }
    }

    /// Values spread over [-1, 1] and at least `gap` apart, so that no finite-difference step
    /// crosses a ReLU kink or changes a pooling window's winner.
    public static func separatedValues(_ count: Int, seed: UInt64, gap: Float = 0.05) -> [Float] {
        var random = RandomSource(seed: seed)
        var ranks = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) { ranks.swapAt(i, Int(random.next() % UInt64(i + 1))) }
        return ranks.map { (Float($0) - Float(count) / 2) * gap + gap / 2 }
    }

    public static func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
        var random = RandomSource(seed: seed)
        return Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in random.nextNormal() })
    }
}
