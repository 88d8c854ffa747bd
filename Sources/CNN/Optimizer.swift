import Foundation

/// Updates parameters from their gradients. Its state (momentum, moment estimates, step count)
/// is saved in checkpoints so a resumed run continues exactly.
public protocol Optimizer: AnyObject {
    /// Applies one update with the given learning rate. Every element is updated on its own, so
    /// the result does not depend on `threads`.
    func step(_ parameters: [Parameter], learningRate: Float, threads: Int)
    /// The state tensors for these parameters by name (created at zero when missing), for
    /// saving in a checkpoint and for restoring from one.
    func stateTensors(for parameters: [Parameter]) -> [String: Tensor]
    var stepCount: Int { get set }
}

public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
    case sgd, adam

    public func make(momentum: Float, weightDecay: Float) -> any Optimizer {
        switch self {
        case .sgd: SGD(momentum: momentum, weightDecay: weightDecay)
        case .adam: Adam(weightDecay: weightDecay)
        }
    }
}

/// Stochastic gradient descent with optional momentum and L2 weight decay:
/// `v ← μ·v + g + λ·w`, `w ← w − η·v` (with μ = 0, `w ← w − η·(g + λ·w)`).
public final class SGD: Optimizer {
    public let momentum: Float
    public let weightDecay: Float
    public var stepCount = 0
    private var velocity: [String: Tensor] = [:]

    public init(momentum: Float = 0, weightDecay: Float = 0) {
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public func stateTensors(for parameters: [Parameter]) -> [String: Tensor] {
        guard momentum != 0 else { return [:] }
        return Dictionary(uniqueKeysWithValues: parameters.map { ("velocity.\($0.name)", state(for: $0, in: &velocity)) })
    }

    public func step(_ parameters: [Parameter], learningRate: Float, threads: Int) {
        stepCount += 1
        for p in parameters {
            let w = p.value.data, g = p.gradient.data
            let decay = p.decays ? weightDecay : 0
            if momentum == 0 {
                Parallel.elementwise(p.value.count, threads: threads) { range in
                    for i in range { w[i] -= learningRate * (g[i] + decay * w[i]) }
                }
                continue
            }
            let v = state(for: p, in: &velocity).data
            Parallel.elementwise(p.value.count, threads: threads) { range in
                for i in range {
                    v[i] = momentum * v[i] + g[i] + decay * w[i]
                    w[i] -= learningRate * v[i]
                }
            }
        }
    }
}

/// Adam with decoupled weight decay (AdamW): `w ← w − η·(m̂ / (√v̂ + ε) + λ·w)`.
public final class Adam: Optimizer {
    public let beta1: Float = 0.9
    public let beta2: Float = 0.999
    public let epsilon: Float = 1e-8
    public let weightDecay: Float
    public var stepCount = 0
    private var firstMoment: [String: Tensor] = [:]
    private var secondMoment: [String: Tensor] = [:]

    public init(weightDecay: Float = 0) { self.weightDecay = weightDecay }

    public func stateTensors(for parameters: [Parameter]) -> [String: Tensor] {
        var all: [String: Tensor] = [:]
        for p in parameters {
            all["m.\(p.name)"] = state(for: p, in: &firstMoment)
            all["v.\(p.name)"] = state(for: p, in: &secondMoment)
        }
        return all
    }

    public func step(_ parameters: [Parameter], learningRate: Float, threads: Int) {
        stepCount += 1
        let correction1 = 1 - Float(pow(Double(beta1), Double(stepCount)))
        let correction2 = 1 - Float(pow(Double(beta2), Double(stepCount)))
        for p in parameters {
            let w = p.value.data, g = p.gradient.data
            let m = state(for: p, in: &firstMoment).data, v = state(for: p, in: &secondMoment).data
            let decay = p.decays ? weightDecay : 0
            let (beta1, beta2, epsilon) = (self.beta1, self.beta2, self.epsilon)
            Parallel.elementwise(p.value.count, threads: threads) { range in
                // Eight lanes at a time: the compiler cannot vectorise the scalar loop itself, since
                // the four pointers might alias. Lane by lane the arithmetic is the scalar loop's.
                var i = range.lowerBound
                while i + 8 <= range.upperBound {
                    let gi = FloatRun.load8(g + i), wi = FloatRun.load8(w + i)
                    let mi = beta1 * FloatRun.load8(m + i) + (1 - beta1) * gi
                    let vi = beta2 * FloatRun.load8(v + i) + (1 - beta2) * gi * gi
                    let update = (mi / correction1) / ((vi / correction2).squareRoot() + epsilon)
                    FloatRun.store8(mi, m + i)
                    FloatRun.store8(vi, v + i)
                    FloatRun.store8(wi - learningRate * (update + decay * wi), w + i)
                    i += 8
                }
                for i in i ..< range.upperBound {
                    m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                    let update = (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
                    w[i] -= learningRate * (update + decay * w[i])
                }
            }
        }
    }
}

/// The state tensor of `parameter` in `store`, created at zero on first use.
private func state(for parameter: Parameter, in store: inout [String: Tensor]) -> Tensor {
    if let existing = store[parameter.name] { return existing }
    let created = Tensor(shape: parameter.value.shape)
    store[parameter.name] = created
    return created
}

extension Optimizer {
    /// Restores state saved from `stateTensors(for:)`; tensors are matched by name.
    public func restore(_ tensors: [String: Tensor], parameters: [Parameter]) throws {
        for (name, target) in stateTensors(for: parameters) {
            guard let source = tensors[name] else { throw CheckpointError("the checkpoint has no optimizer state \(name)") }
            guard source.shape == target.shape else { throw CheckpointError("optimizer state \(name) has shape \(source.shape), expected \(target.shape)") }
            target.copy(from: source)
        }
    }
}

public struct CheckpointError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
