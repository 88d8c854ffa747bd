/// One stage of an architecture, as stored in weight files.
public enum LayerSpec: Codable, Equatable, Sendable {
    case conv2D(Conv2D.Configuration)
    case relu
    case maxPool2D(size: Int, stride: Int)
    case flatten
    case dense(Dense.Configuration)
    case dropout(rate: Float)
    case batchNorm2D(BatchNorm2D.Configuration)
}

/// A named network layout: the input shape and the layers in order. The last layer's outputs are
/// the class logits.
public struct Architecture: Codable, Equatable, Sendable {
    public var name: String
    public var inputShape: [Int]
    public var layers: [LayerSpec]

    public init(name: String, inputShape: [Int], layers: [LayerSpec]) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
    }

    /// The starting network: two 3×3 convolutions with pooling, then a 128-unit hidden layer.
    /// About 8.5 MFLOP forward per image and 421K parameters.
    public static let basic = Architecture(name: "basic", inputShape: [1, 28, 28], layers: [
        .conv2D(.init(filters: 32, kernelSize: 3, padding: 1)), .relu, .maxPool2D(size: 2, stride: 2),
        .conv2D(.init(filters: 64, kernelSize: 3, padding: 1)), .relu, .maxPool2D(size: 2, stride: 2),
        .flatten, .dense(.init(outputs: 128, weightInit: .he)), .relu, .dropout(rate: 0.3),
        .dense(.init(outputs: 10)),
    ])

    /// The seed notebook's network: one 6×6 filter with an untied 23×23 bias, ReLU, 2×2 pooling
    /// (23 → 11) and a 121 → 10 softmax layer.
    public static let seed = Architecture(name: "seed", inputShape: [1, 28, 28], layers: [
        .conv2D(.init(filters: 1, kernelSize: 6, bias: .untied)), .relu, .maxPool2D(size: 2, stride: 2),
        .flatten, .dense(.init(outputs: 10)),
    ])

    /// The shipped network: batch normalisation after each convolution — 3×3×32, pooling, two
    /// 3×3×64, pooling — then 256 hidden units with dropout. About 24 MFLOP forward per image
    /// and 861K parameters.
    public static let fashion = Architecture(name: "fashion", inputShape: [1, 28, 28], layers: [
        .conv2D(.init(filters: 32, kernelSize: 3, padding: 1, bias: .none)), .batchNorm2D(.init()), .relu, .maxPool2D(size: 2, stride: 2),
        .conv2D(.init(filters: 64, kernelSize: 3, padding: 1, bias: .none)), .batchNorm2D(.init()), .relu,
        .conv2D(.init(filters: 64, kernelSize: 3, padding: 1, bias: .none)), .batchNorm2D(.init()), .relu, .maxPool2D(size: 2, stride: 2),
        .flatten, .dense(.init(outputs: 256, weightInit: .he)), .relu, .dropout(rate: 0.3),
        .dense(.init(outputs: 10)),
    ])

    public static let named: [String: Architecture] = ["basic": basic, "seed": seed, "fashion": fashion]

    /// The same layout with the seed notebook's initialisation: `randn` for every weight and the
    /// convolution's bias, `rand` for the dense bias.
    public func withNotebookInitialisation() -> Architecture {
        var copy = self
        copy.layers = layers.map { spec in
            switch spec {
            case .conv2D(var c): c.weightInit = .randn; c.biasInit = .randn; return .conv2D(c)
            case .dense(var d): d.weightInit = .randn; d.biasInit = .rand; return .dense(d)
            default: return spec
            }
        }
        return copy
    }
}
