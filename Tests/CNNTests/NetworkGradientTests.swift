@testable import CNN
import TestSupport
import XCTest

/// The whole network's backward pass against central differences of its forward pass: every
/// layer in order, batch normalisation in training mode, and max-pooling moved before the ReLU
/// it follows (`Network.poolingBeforeReLU`), which no single-layer check sees.
final class NetworkGradientTests: XCTestCase {
    func testEveryParameterGradientOfANetworkMatchesFiniteDifferences() throws {
        let architecture = Architecture(name: "small", inputShape: [1, 6, 6], layers: [
            .conv2D(.init(filters: 2, kernelSize: 3, padding: 1)), .batchNorm2D(.init()), .relu, .maxPool2D(size: 2, stride: 2),
            .flatten, .dense(.init(outputs: 3)),
        ])
        let reordered = Network.poolingBeforeReLU(architecture.layers)
        XCTAssertEqual(reordered[2], .maxPool2D(size: 2, stride: 2))
        XCTAssertEqual(reordered[3], .relu)
        let network = try Network(architecture)
        network.initialize(seed: 3)
        let input = Tensor(shape: [2, 1, 6, 6], values: GradientCheck.separatedValues(72, seed: 4))
        let context = RunContext(training: true, threads: 1, randomSeed: 5)
        var random = RandomSource(seed: 6)
        let upstream = Tensor(shape: [2, 3], values: (0..<6).map { _ in random.nextNormal() })
        func loss() -> Double {
            let logits = network.forward(input, context: context)
            return (0..<logits.count).reduce(0) { $0 + Double(logits[$1]) * Double(upstream[$1]) }
        }
        _ = network.forward(input, context: context)
        network.backward(upstream, context: context)
        let analytic = network.parameters.map(\.gradient.values)
        let step: Float = 1e-2
        var checked = 0
        for (parameter, gradient) in zip(network.parameters, analytic) {
            for index in 0..<parameter.value.count {
                let saved = parameter.value[index]
                parameter.value[index] = saved + step
                let plus = loss()
                parameter.value[index] = saved - step
                let minus = loss()
                parameter.value[index] = saved
                let numeric = (plus - minus) / (2 * Double(step)), actual = Double(gradient[index])
                // Relative error with a small absolute floor (tiny-dnn's check): a gradient near
                // zero is held to 1e-3 of a unit, not excused.
                XCTAssertLessThanOrEqual(abs(numeric - actual) / max(1e-3, abs(numeric) + abs(actual)), 2e-2,
                                         "\(parameter.name)[\(index)]: analytic \(actual), numeric \(numeric)")
                checked += 1
            }
        }
        XCTAssertEqual(checked, network.parameterCount)
    }
}
