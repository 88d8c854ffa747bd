/// How a parameter tensor starts. `he` and `glorot` scale by fan-in/fan-out and are what the
/// modern architectures use; `randn` and `rand` are the seed notebook's `np.random.randn` and
/// `np.random.rand`, kept so its original set-up can be reproduced.
public enum Initializer: String, Codable, CaseIterable, Sendable {
    /// Normal with standard deviation sqrt(2 / fanIn): for layers followed by ReLU.
    case he
    /// Uniform in ±sqrt(6 / (fanIn + fanOut)).
    case glorot
    /// Standard normal.
    case randn
    /// Uniform in [0, 1).
    case rand
    case zeros

    public func fill(_ tensor: Tensor, fanIn: Int, fanOut: Int, random: inout RandomSource) {
        let values = tensor.buffer
        switch self {
        case .he:
            let std = (2 / Float(fanIn)).squareRoot()
            for i in values.indices { values[i] = random.nextNormal() * std }
        case .glorot:
            let limit = (6 / Float(fanIn + fanOut)).squareRoot()
            for i in values.indices { values[i] = (random.nextUniform() * 2 - 1) * limit }
        case .randn:
            for i in values.indices { values[i] = random.nextNormal() }
        case .rand:
            for i in values.indices { values[i] = random.nextUniform() }
        case .zeros:
            tensor.zero()
        }
    }
}
