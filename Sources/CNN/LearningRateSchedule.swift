import Foundation

/// How the learning rate changes over training, as a function of the optimizer step.
public enum LearningRateSchedule: Codable, Equatable, Sendable {
    case constant
    /// Multiply by `factor` every `epochs` epochs.
    case step(epochs: Int, factor: Float)
    /// Half a cosine from the base rate down to zero over the whole run, per step.
    case cosine

    public func rate(base: Float, step: Int, stepsPerEpoch: Int, totalSteps: Int) -> Float {
        switch self {
        case .constant:
            return base
        case .step(let epochs, let factor):
            return base * Float(pow(Double(factor), Double(step / max(stepsPerEpoch * epochs, 1))))
        case .cosine:
            let progress = Double(step) / Double(max(totalSteps, 1))
            return base * Float(0.5 * (1 + cos(Double.pi * min(progress, 1))))
        }
    }
}
