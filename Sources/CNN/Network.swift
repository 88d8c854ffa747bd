/// A feed-forward stack of layers built from an `Architecture`.
public final class Network {
    public let architecture: Architecture
    public let layers: [any Layer]
    public let parameters: [Parameter]

    /// Builds the layers, checking that each one's shape fits the next. Parameters start at zero;
    /// call `initialize(seed:)` or load them from a weight file. A batch normalisation followed
    /// by ReLU, or by 2×2 pooling and ReLU, takes those layers over as its epilogue; with
    /// `fusingEpilogues` (for inference only) so does a convolution.
    init(_ architecture: Architecture, fusingEpilogues: Bool) throws {
        guard architecture.inputShape.count == 3, architecture.inputShape.allSatisfy({ $0 > 0 }) else {
            throw ArchitectureError("the input shape must be [channels, height, width], not \(architecture.inputShape)")
        }
        try ArchitectureLimits.activations(architecture.inputShape, "the input")
        self.architecture = architecture
        var shape = architecture.inputShape
        var layers: [any Layer] = []
        var parameterTotal = 0
        let specs = Self.poolingBeforeReLU(architecture.layers)
        var index = 0
        while index < specs.count {
            let name = "layer\(index)"
            let layer: any Layer
            switch specs[index] {
            case .conv2D(let c):
                let epilogue = fusingEpilogues ? Self.epilogue(after: index, in: specs) : .none
                layer = try Conv2D(c, inputShape: shape, name: name, epilogue: epilogue)
                index += epilogue.layersTakenOver
            case .relu: layer = ReLU(inputShape: shape)
            case .maxPool2D(let size, let stride): layer = try MaxPool2D(size: size, stride: stride, inputShape: shape, name: name)
            case .flatten: layer = Flatten(inputShape: shape)
            case .dense(let d): layer = try Dense(d, inputShape: shape, name: name)
            case .dropout(let rate): layer = try Dropout(rate: rate, inputShape: shape, layerIndex: index, name: name)
            case .batchNorm2D(let b):
                let epilogue = Self.epilogue(after: index, in: specs)
                layer = try BatchNorm2D(b, inputShape: shape, name: name, epilogue: epilogue)
                index += epilogue.layersTakenOver
            }
            index += 1
            layers.append(layer)
            shape = layer.outputShape
            parameterTotal += layer.parameters.reduce(0) { $0 + $1.value.count }
            guard parameterTotal <= ArchitectureLimits.parameters else {
                throw ArchitectureError("the network has more than \(ArchitectureLimits.parameters) parameters")
            }
        }
        guard shape.count == 1, shape[0] >= 2 else {
            throw ArchitectureError("the last layer must give one logit per class, not shape \(shape)")
        }
        self.layers = layers
        parameters = layers.flatMap(\.parameters)
    }

    /// Builds the layers, checking that each one's shape fits the next. Parameters start at zero;
    /// call `initialize(seed:)` or load them from a weight file.
    public convenience init(_ architecture: Architecture) throws {
        try self.init(architecture, fusingEpilogues: false)
    }

    /// Another network of the same layers that shares this one's weights and buffers, but has
    /// activations and scratch space of its own, so that the two can run forward passes on two
    /// threads at once. Changing either one's weights changes both.
    public func replica() throws -> Network {
        // Built with epilogues if this one took any: without, fusing would change nothing.
        let fused = layers.contains { ($0 as? Conv2D).map { $0.epilogue != .none } ?? false }
        let copy = try Network(architecture, fusingEpilogues: fused)
        for (from, to) in zip(layers, copy.layers) { Self.share(from, with: to) }
        return copy
    }

    /// Makes `target`'s parameters and buffers views of those of `source`, a layer of the same kind.
    static func share(_ source: any Layer, with target: any Layer) {
        for (from, to) in zip(source.parameters, target.parameters) { to.value.share(from.value) }
        for (from, to) in zip(source.buffers, target.buffers) { to.tensor.share(from.tensor) }
    }

    /// The epilogue the layer at `index` of `specs` (in the order the layers run) can take over
    /// from the layers after it.
    private static func epilogue(after index: Int, in specs: [LayerSpec]) -> Epilogue {
        let next = specs.dropFirst(index + 1).prefix(2)
        if next.first == .relu { return .relu }
        if next.elementsEqual([.maxPool2D(size: 2, stride: 2), .relu]) { return .maxPool2x2ThenReLU }
        return .none
    }

    /// Everything a weight file stores, by name: the parameters, then the layers' buffers.
    public var savedTensors: [(name: String, tensor: Tensor)] {
        parameters.map { ($0.name, $0.value) } + layers.flatMap(\.buffers)
    }

    /// ReLU then max-pooling equals max-pooling then ReLU (ReLU is monotonic), and gradients agree
    /// too, but pooling first applies ReLU to a quarter of the values: the specs keep the usual
    /// order and the layers run the cheaper one. Layer indices, and so parameter names, stay put.
    static func poolingBeforeReLU(_ specs: [LayerSpec]) -> [LayerSpec] {
        var specs = specs
        for i in specs.indices.dropLast() where specs[i] == .relu {
            if case .maxPool2D = specs[i + 1] { specs.swapAt(i, i + 1) }
        }
        return specs
    }

    public var classCount: Int { layers.last!.outputShape[0] }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
    public var multiplyAdds: Int { layers.reduce(0) { $0 + $1.multiplyAdds } }
    /// Whether any layer keeps running batch statistics.
    public var hasBatchNormalisation: Bool { layers.contains { $0 is BatchNorm2D } }

    /// Draws every parameter from its layer's initialiser, in layer order, from one seeded stream.
    public func initialize(seed: UInt64) {
        var random = RandomSource(seed: seed, stream: RandomStream.initialisation.rawValue)
        for layer in layers { layer.initialize(random: &random) }
    }

    /// Logits `[N, classes]` for input `[N, C, H, W]`.
    public func forward(_ input: Tensor, context: RunContext) -> Tensor {
        layers.reduce(input) { x, layer in layer.forward(x, context: context) }
    }

    /// The outputs of the layer before the last (the features the classes are told apart by),
    /// `[N, featureWidth]`, and the logits; both valid until the next forward pass.
    public func forwardKeepingFeatures(_ input: Tensor, context: RunContext) -> (features: Tensor, logits: Tensor) {
        let features = layers.dropLast().reduce(input) { x, layer in layer.forward(x, context: context) }
        return (features, layers.last!.forward(features, context: context))
    }

    /// How many values `forwardKeepingFeatures` gives per image as features.
    public var featureWidth: Int { (layers.dropLast().last?.outputShape ?? architecture.inputShape).reduce(1, *) }

    /// Back-propagates the gradient of the loss with respect to the logits of the last training
    /// forward pass, leaving each parameter's gradient in `Parameter.gradient`.
    public func backward(_ logitGradient: Tensor, context: RunContext) {
        var gradient = logitGradient
        for (index, layer) in layers.enumerated().reversed() {
            guard let next = layer.backward(gradient, context: context, needsInputGradient: index > 0) else { break }
            gradient = next
        }
    }
}
