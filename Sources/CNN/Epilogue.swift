/// What a layer does to its output in the same sweep, in place of the layers after it: ReLU, or
/// 2×2 max-pooling of stride 2 then ReLU (`Network.poolingBeforeReLU` puts pooling first). Each
/// image's output is rectified and pooled while it is still in the cache, instead of in more
/// passes over the whole batch. Batch normalisation takes its epilogue in training and
/// inference; a convolution only at inference (`Network.preparedForInference`), once the
/// batch normalisation after it has been folded into its weights.
public enum Epilogue: Sendable {
    case none, relu, maxPool2x2ThenReLU

    /// How many of the layers after the one with the epilogue it does the work of.
    var layersTakenOver: Int {
        switch self {
        case .none: 0
        case .relu: 1
        case .maxPool2x2ThenReLU: 2
        }
    }

    /// The output shape `[C, H, W]` of a layer whose own output would be `shape`: pooling drops
    /// a last odd row and column.
    func outputShape(_ shape: [Int]) -> [Int] {
        self == .maxPool2x2ThenReLU ? [shape[0], shape[1] / 2, shape[2] / 2] : shape
    }
}
