/// The choices that determine a training run. With the same configuration, data and thread count,
/// training produces bit-identical weights.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerKind
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    public var schedule: LearningRateSchedule
    public var seed: UInt64
    public var threads: Int
    /// Random changes to training images; nil (as in files from before it existed) means none.
    public var augmentation: Augmentation?
    /// Label smoothing ε of the training loss; nil (as in files from before it existed) means none.
    public var labelSmoothing: Float?
    /// Stochastic weight averaging over the last epochs; nil (as in files from before it existed)
    /// means the last epoch's weights are the result.
    public var averaging: WeightAveraging?

    public init(epochs: Int, batchSize: Int, optimizer: OptimizerKind, learningRate: Float, momentum: Float = 0,
                weightDecay: Float = 0, schedule: LearningRateSchedule = .constant, seed: UInt64, threads: Int,
                augmentation: Augmentation? = nil, labelSmoothing: Float? = nil, averaging: WeightAveraging? = nil) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.schedule = schedule
        self.seed = seed
        self.threads = threads
        self.augmentation = augmentation
        self.labelSmoothing = labelSmoothing
        self.averaging = averaging
    }
}

/// Where a run is: saved in checkpoints so that `--resume` continues exactly where it stopped.
/// Every random draw is derived from the seed and this position, so no generator state is needed.
public struct TrainingState: Codable, Equatable, Sendable {
    public var configuration: TrainingConfiguration
    /// Epochs completed.
    public var epoch = 0
    /// Batches completed in the current epoch.
    public var batch = 0
    /// Optimizer steps taken.
    public var step = 0
    /// Running totals for the current epoch.
    public var lossSum = 0.0
    public var correct = 0
    public var seen = 0
    /// Training time so far, across resumptions.
    public var seconds = 0.0
    /// The command line that started the run.
    public var command: String
    /// Which images of the training file were trained on and which validated on.
    public var data: DataSelection?
    /// The finished epochs' figures, for the training curves.
    public var history: [Trainer.EpochReport]?

    public init(configuration: TrainingConfiguration, command: String) {
        self.configuration = configuration
        self.command = command
    }
}

/// The images of a training file a run uses: the first `limit` of those outside `validation`
/// (all of them when `limit` is nil) for training, and those in `validation` for validation.
public struct DataSelection: Codable, Equatable, Sendable {
    public var directory: String
    public var limit: Int?
    public var validation: Range<Int>
    /// Prepared image sets mixed into every batch (`train --extra`), nil for none.
    public var mixedIn: [MixedInSelection]?

    public init(directory: String, limit: Int?, validation: Range<Int>, mixedIn: [MixedInSelection]? = nil) {
        self.directory = directory
        self.limit = limit
        self.validation = validation
        self.mixedIn = mixedIn
    }

    /// Training indices within a file of `count` images.
    public func trainingIndices(count: Int) -> [Int] {
        let outside = (0..<count).lazy.filter { !validation.contains($0) }
        return Array(outside.prefix(limit ?? count))
    }
}

extension TrainingState {
    /// What makes this state unusable, or nil. A checkpoint is a file anyone can edit, and its
    /// state drives allocation and indexing: it is held to the command line's rules, and to the
    /// training file it names (`imagesInFile` images).
    public func inconsistency(imagesInFile: Int) -> String? {
        let c = configuration
        func finite(_ values: Float...) -> Bool { values.allSatisfy(\.isFinite) }
        guard (1...100_000).contains(c.epochs) else { return "epochs \(c.epochs), outside 1…100000" }
        guard (1...65_536).contains(c.batchSize) else { return "batch size \(c.batchSize), outside 1…65536" }
        guard (1...1024).contains(c.threads) else { return "threads \(c.threads), outside 1…1024" }
        guard finite(c.learningRate, c.momentum, c.weightDecay), c.learningRate > 0, (0..<1).contains(c.momentum), c.weightDecay >= 0 else {
            return "learning rate \(c.learningRate), momentum \(c.momentum), weight decay \(c.weightDecay): not a rate > 0, a momentum in [0, 1) and a decay ≥ 0"
        }
        if case .step(let epochs, let factor) = c.schedule, epochs < 1 || !finite(factor) || factor <= 0 {
            return "a step schedule of every \(epochs) epochs by \(factor)"
        }
        if let smoothing = c.labelSmoothing, !(0..<1).contains(smoothing) { return "label smoothing \(smoothing), outside [0, 1)" }
        if let problem = c.augmentation?.problem { return "augmentation out of range: it needs " + problem }
        if let a = c.averaging, !(1...c.epochs).contains(a.startEpoch) || !finite(a.learningRate) || a.learningRate <= 0 {
            return "weight averaging from epoch \(a.startEpoch) at rate \(a.learningRate)"
        }
        guard (0...c.epochs).contains(epoch), batch >= 0, step >= 0, seen >= 0, (0...seen).contains(correct),
              lossSum.isFinite, seconds.isFinite, seconds >= 0 else {
            return "an impossible position (epoch \(epoch), batch \(batch), step \(step), \(correct) of \(seen) right)"
        }
        guard let data else { return "no record of the images it trains on" }
        guard data.limit.map({ $0 >= 1 }) ?? true else { return "a limit of \(data.limit!) images" }
        guard data.validation.lowerBound >= 0, data.validation.upperBound <= imagesInFile else {
            return "validation images \(data.validation.lowerBound)..<\(data.validation.upperBound), beyond the \(imagesInFile) in the file"
        }
        let trainingImages = data.trainingIndices(count: imagesInFile).count
        guard trainingImages > 0 else { return "no training images left after its limit and validation" }
        if let mixedIn = data.mixedIn, let problem = MixedInSelection.problem(mixedIn) { return problem }
        let batchesPerEpoch = (trainingImages + c.batchSize - 1) / c.batchSize
        guard batch < batchesPerEpoch || (batch == 0 && epoch == c.epochs) else {
            return "batch \(batch) of an epoch of \(batchesPerEpoch) batches"
        }
        return nil
    }
}

/// One `train --extra PREFIX:SHARE`: the prepared image files under `prefix`, `share` of every batch.
public struct MixedInSelection: Codable, Equatable, Sendable {
    public var prefix: String
    public var share: Float

    public init(prefix: String, share: Float) {
        self.prefix = prefix
        self.share = share
    }

    /// Why these shares cannot be trained with, if they cannot: each must be above 0 and together
    /// they must leave room for the training images.
    public static func problem(_ selections: [MixedInSelection]) -> String? {
        if let bad = selections.first(where: { !($0.share > 0 && $0.share < 1) }) { return "the share of \(bad.prefix) is \(bad.share), not between 0 and 1" }
        let total = selections.map(\.share).reduce(0, +)
        return total < 1 ? nil : "the shares add up to \(total), leaving no room for the training images"
    }
}
