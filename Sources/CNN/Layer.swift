/// A trainable tensor and the gradient of the loss with respect to it.
public final class Parameter {
    /// Unique within a network, e.g. `layer0.weight`; weight files store tensors by this name.
    public let name: String
    public let value: Tensor
    public let gradient: Tensor
    /// Whether weight decay applies (weights yes, biases no).
    public let decays: Bool

    public init(name: String, shape: [Int], decays: Bool) {
        self.name = name
        self.value = Tensor(shape: shape)
        self.gradient = Tensor(shape: shape)
        self.decays = decays
    }
}

/// What a forward or backward pass needs to know besides its input.
public struct RunContext {
    /// Training turns on dropout and makes layers keep what their backward pass needs.
    public var training: Bool
    /// Threads to split the batch over.
    public var threads: Int
    /// Seed for this batch's random draws (dropout masks), derived from the run's seed and the
    /// batch's position in training.
    public var randomSeed: UInt64
    /// When set, batch normalisation gives this batch's statistics this weight in its running
    /// averages instead of its momentum: 1/(k+1) for the k-th of a series of batches makes them
    /// the plain mean over the series.
    public var statisticsWeight: Float?

    public init(training: Bool, threads: Int, randomSeed: UInt64 = 0, statisticsWeight: Float? = nil) {
        self.training = training
        self.threads = threads
        self.randomSeed = randomSeed
        self.statisticsWeight = statisticsWeight
    }
}

/// One stage of a network. Shapes are per item (`[channels, height, width]` or `[features]`);
/// tensors passed in and out carry the batch as their first dimension.
///
/// A layer owns its output and gradient tensors and reuses them: the tensor `forward` returns stays
/// valid until the layer's next `forward`.
public protocol Layer: AnyObject {
    var inputShape: [Int] { get }
    var outputShape: [Int] { get }
    var parameters: [Parameter] { get }
    /// Tensors saved with the weights that training does not update by gradient (batch
    /// normalisation's running statistics).
    var buffers: [(name: String, tensor: Tensor)] { get }
    /// Multiply–adds per item in the forward pass.
    var multiplyAdds: Int { get }

    /// Draws the layer's parameters from its initialisers (layers without parameters do nothing).
    func initialize(random: inout RandomSource)

    func forward(_ input: Tensor, context: RunContext) -> Tensor

    /// Given the gradient of the loss with respect to the last `forward`'s output (which ran with
    /// `context.training`), writes the batch's parameter gradients and returns the gradient with
    /// respect to the input, or nil when `needsInputGradient` is false (the first layer).
    func backward(_ outputGradient: Tensor, context: RunContext, needsInputGradient: Bool) -> Tensor?
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [(name: String, tensor: Tensor)] { [] }
    public func initialize(random: inout RandomSource) {}
    public var multiplyAdds: Int { 0 }
}

/// A bad architecture: shapes that do not fit together, or nonsensical sizes.
public struct ArchitectureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Bounds on what an architecture may ask for. A weight file's header is untrusted: without
/// them a few hundred bytes could describe a network that needs terabytes, or sizes whose
/// arithmetic overflows. The shipped network is far inside them (861K parameters; its largest
/// buffer per image, the second convolution's patch matrix, 56K values).
public enum ArchitectureLimits {
    /// Values per image in any layer's output or working buffer: 4 MB of floats.
    public static let activationsPerImage = 1 << 20
    /// Parameters of the whole network: 256 MB of floats.
    public static let parameters = 1 << 26

    /// The product of `factors`, or an error naming `what` when it overflows or exceeds `limit`.
    static func product(_ factors: [Int], _ what: @autoclosure () -> String, limit: Int) throws -> Int {
        var result = 1
        for factor in factors {
            guard factor >= 0 else { throw ArchitectureError("\(what()) has a negative size") }
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            guard !overflow, next <= limit else { throw ArchitectureError("\(what()) is too large (more than \(limit) values)") }
            result = next
        }
        // No factors at all (a rank-0 tensor) is one value, which must fit too.
        guard result <= limit else { throw ArchitectureError("\(what()) is too large (more than \(limit) values)") }
        return result
    }

    static func activations(_ shape: [Int], _ what: @autoclosure () -> String) throws {
        _ = try product(shape, what(), limit: activationsPerImage)
    }

    static func parameterCount(_ shape: [Int], _ what: @autoclosure () -> String) throws {
        _ = try product(shape, what(), limit: parameters)
    }
}
