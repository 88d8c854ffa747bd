import Foundation

/// What `train` does with an architecture for every option it is not given: the recipe each
/// network is known by (`fashion`'s is the shipped model's, less the photos mixed in and twenty
/// epochs: `Models/train-fashion.sh`). The command's help is written from these, so the two agree.
public struct TrainingRecipe: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerKind
    public var learningRate: Float
    public var momentum: Float = 0
    public var weightDecay: Float = 0
    public var schedule: LearningRateSchedule
    public var augmentation = Augmentation()
    /// Train on at most this many images (outside the validation images).
    public var limit: Int?
    public var validation: ValidationSelection = .last(5000)

    /// The notebook's procedure: per-sample SGD on the first 5,000 images, validated on the next 5,000.
    public static let seed = TrainingRecipe(epochs: 50, batchSize: 1, optimizer: .sgd, learningRate: 0.01, schedule: .constant,
                                            limit: 5000, validation: .range(5000..<10000))
    public static let basic = TrainingRecipe(epochs: 10, batchSize: 64, optimizer: .adam, learningRate: 0.001, schedule: .cosine)
    public static let fashion = TrainingRecipe(epochs: 35, batchSize: 128, optimizer: .sgd, learningRate: 0.05, momentum: 0.9,
                                               weightDecay: 5e-4, schedule: .cosine,
                                               augmentation: Augmentation(maxShift: 2, mirror: true, tone: 0.8, erasing: 0.2))
    /// By architecture name, as `Architecture.named`.
    public static let named: [String: TrainingRecipe] = ["seed": seed, "basic": basic, "fashion": fashion]

    /// In words, e.g. `35 epochs, batch 128, sgd lr 0.05, momentum 0.9, …, validated on the last 5,000 images`.
    public var summary: String {
        var parts = ["\(epochs) epochs", "batch \(batchSize)", "\(optimizer.rawValue) lr \(Self.short(learningRate))"]
        parts += Self.stepParts(momentum: momentum, weightDecay: weightDecay, schedule: schedule)
        parts.append(augmentation.summary)
        if let limit { parts.append("at most \(limit) training images") }
        switch validation {
        case .last(let n): parts.append("validated on the last \(n) training images")
        case .range(let r): parts.append("validated on training images \(r.lowerBound)..<\(r.upperBound)")
        }
        return parts.joined(separator: ", ")
    }

    /// 2 rather than 2.0, 0.0005 rather than 5e-04.
    static func short(_ value: Float) -> String { String(format: "%g", Double(value)) }

    /// How each step moves the weights, in words: momentum, weight decay (when used), schedule.
    static func stepParts(momentum: Float, weightDecay: Float, schedule: LearningRateSchedule) -> [String] {
        (momentum != 0 ? ["momentum \(short(momentum))"] : []) + (weightDecay != 0 ? ["weight decay \(short(weightDecay))"] : [])
            + [schedule.summary]
    }
}

extension TrainingConfiguration {
    /// The configuration beyond epochs, batch, optimizer and rate, in words, e.g. `momentum 0.9,
    /// weight decay 0.0005, cosine schedule, augmentation: shift ≤ 2 px, …`.
    public var recipeSummary: String {
        var parts = TrainingRecipe.stepParts(momentum: momentum, weightDecay: weightDecay, schedule: schedule)
        if let labelSmoothing { parts.append("label smoothing \(TrainingRecipe.short(labelSmoothing))") }
        if let averaging {
            parts.append("weights averaged over epochs \(averaging.startEpoch)–\(epochs) at lr \(TrainingRecipe.short(averaging.learningRate))")
        }
        parts.append((augmentation ?? Augmentation()).summary)
        return parts.joined(separator: ", ")
    }
}

/// Which training images are held out for validation: the last N of the file, or a range of it.
public enum ValidationSelection: Equatable, Sendable {
    case last(Int)
    case range(Range<Int>)

    public func range(within count: Int) -> Range<Int> {
        switch self {
        case .last(let n): max(count - n, 0)..<count
        case .range(let r): r.clamped(to: 0..<count)
        }
    }
}

extension LearningRateSchedule {
    /// In words: `cosine schedule`, `learning rate × 0.1 every 4 epochs`.
    public var summary: String {
        switch self {
        case .constant: "constant learning rate"
        case .step(let epochs, let factor): "learning rate × \(TrainingRecipe.short(factor)) every \(epochs) epochs"
        case .cosine: "cosine schedule"
        }
    }
}

extension Augmentation {
    /// In words: `augmentation: shift ≤ 2 px, mirror, tone ≤ 0.8, erasing p 0.2`, or `no augmentation`.
    public var summary: String {
        let short = TrainingRecipe.short
        var changes: [String] = []
        if maxShift != 0 { changes.append("shift ≤ \(short(maxShift)) px") }
        if maxScale != 0 { changes.append("scale ± \(short(maxScale))") }
        if mirror { changes.append("mirror") }
        if tone != 0 { changes.append("tone ≤ \(short(tone))") }
        if erasing != 0 { changes.append("erasing p \(short(erasing))") }
        if maxRotation != 0 { changes.append("rotation ≤ \(short(maxRotation))°") }
        if ragged != 0 { changes.append("ragged outline p \(short(ragged))") }
        if noise != 0 { changes.append("noise σ \(short(noise))") }
        if blur != 0 { changes.append("blur ≤ \(short(blur))") }
        if perspective != 0 { changes.append("perspective ≤ \(short(perspective))") }
        if cut != 0 { changes.append("cut p \(short(cut))") }
        if background != 0 { changes.append("background strip p \(short(background))") }
        return changes.isEmpty ? "no augmentation" : "augmentation: " + changes.joined(separator: ", ")
    }
}
