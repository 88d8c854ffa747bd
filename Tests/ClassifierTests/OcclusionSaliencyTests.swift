import CNN
import Classifier
import XCTest

/// A network whose answer rests on one corner of its input: covering that corner is what lowers
/// the answer, so the saliency lies there and nowhere the squares over it do not reach.
final class OcclusionSaliencyTests: XCTestCase {
    func testSaliencyLiesWhereTheAnswerComesFrom() throws {
        let side = 12
        let network = try Network(Architecture(name: "corner", inputShape: [1, side, side], layers: [.flatten, .dense(.init(outputs: 2))]))
        let weight = try XCTUnwrap(network.parameters.first { $0.name.hasSuffix("weight") }).value
        let bias = try XCTUnwrap(network.parameters.first { $0.name.hasSuffix("bias") }).value
        weight.zero()
        bias.zero()
        // Class 0's logit: the sum of the top-left 4×4 pixels; class 1's: a constant 8.
        for y in 0..<4 { for x in 0..<4 { weight[y * side + x] = 1 } }
        bias[1] = 8
        let input = [Float](repeating: 1, count: side * side)
        let saliency = OcclusionSaliency().map(input, side: side, label: 0, network: network, calibration: .uncalibrated, threads: 1)
        XCTAssertEqual(saliency.count, side * side)
        XCTAssertGreaterThan(saliency[0], 1, "covering the corner takes class 0's evidence away")
        XCTAssertEqual(saliency[(side - 1) * side + side - 1], 0, "the far corner's squares miss the evidence")
        XCTAssertTrue(saliency.allSatisfy { $0 >= 0 })
        XCTAssertGreaterThan(saliency[0], saliency[5 * side + 5])
    }
}
