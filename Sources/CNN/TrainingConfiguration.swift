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

    public init(directory: String, limit: Int?, validation: Range<Int>) {
        self.directory = directory
        self.limit = limit
        self.validation = validation
    }

    /// Training indices within a file of `count` images.
    public func trainingIndices(count: Int) -> [Int] {
        let outside = (0..<count).lazy.filter { !validation.contains($0) }
        return Array(outside.prefix(limit ?? count))
    }
}
