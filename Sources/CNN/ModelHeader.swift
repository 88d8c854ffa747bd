/// Everything a weight file says besides the tensors: enough for `classify` to use the model with
/// no flags, and for a reader to know how it was made.
public struct ModelHeader: Codable, Equatable, Sendable {
    public var architecture: Architecture
    public var classNames: [String]
    public var input: InputConvention
    public var training: TrainingRecord?
    /// How logits become probabilities and answers get flagged; fitted after training.
    public var calibration: Calibration?
    /// Present in checkpoints only: where training stopped and how it was configured.
    public var checkpoint: TrainingState?

    /// `input` defaults to Fashion-MNIST's convention at the architecture's input shape.
    public init(architecture: Architecture, classNames: [String], input: InputConvention? = nil,
                training: TrainingRecord? = nil, calibration: Calibration? = nil, checkpoint: TrainingState? = nil) {
        self.architecture = architecture
        self.classNames = classNames
        self.input = input ?? InputConvention(shape: architecture.inputShape)
        self.training = training
        self.calibration = calibration
        self.checkpoint = checkpoint
    }

    enum CodingKeys: String, CodingKey { case architecture, classNames, input, training, calibration, checkpoint }

    /// Set to `false` in a decoder's `userInfo` to leave out the training record, which a model
    /// used only for classifying never reads (`ModelFile.read(_:purpose:)`).
    static let decodesTrainingRecord = CodingUserInfoKey(rawValue: "decodesTrainingRecord")!

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        architecture = try container.decode(Architecture.self, forKey: .architecture)
        classNames = try container.decode([String].self, forKey: .classNames)
        input = try container.decode(InputConvention.self, forKey: .input)
        let decodesTraining = decoder.userInfo[Self.decodesTrainingRecord] as? Bool ?? true
        training = decodesTraining ? try container.decodeIfPresent(TrainingRecord.self, forKey: .training) : nil
        calibration = try container.decodeIfPresent(Calibration.self, forKey: .calibration)
        checkpoint = try container.decodeIfPresent(TrainingState.self, forKey: .checkpoint)
    }
}

extension ModelHeader {
    /// What makes the header unusable though every size in it is sound, or nil: an input
    /// convention that disagrees with the architecture, or a calibration that would turn every
    /// answer into NaN or flag nothing.
    public var inconsistency: String? {
        let shape = [input.channels, input.height, input.width]
        guard shape == architecture.inputShape else {
            return "says its input is \(shape.map(String.init).joined(separator: "×")) but its architecture takes \(architecture.inputShape.map(String.init).joined(separator: "×"))"
        }
        guard input.scale.isFinite, input.scale > 0, (0...255).contains(input.background) else {
            return "has an impossible input convention (scale \(input.scale), background \(input.background))"
        }
        if let calibration {
            guard calibration.temperature.isFinite, Calibration.temperatures.contains(calibration.temperature) else {
                return "has calibration temperature \(calibration.temperature); a fitted one lies in \(Calibration.temperatures)"
            }
            if let problem = calibration.cropRules.inconsistency { return problem }
            if let problem = calibration.photoRules?.inconsistency { return problem + " for photos" }
        }
        return nil
    }
}

/// What the network's input means.
public struct InputConvention: Codable, Equatable, Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    /// Pixel value that stands for the background before scaling (0: dark background, bright object).
    public var background: Int
    /// Input value = pixel × scale.
    public var scale: Float

    public static let fashionMNIST = InputConvention(channels: 1, height: 28, width: 28, background: 0, scale: 1.0 / 255)

    /// Fashion-MNIST's convention (dark background, bytes scaled to 0...1) at another shape
    /// `[channels, height, width]`.
    public init(shape: [Int]) {
        self = .fashionMNIST
        if shape.count == 3 { (channels, height, width) = (shape[0], shape[1], shape[2]) }
    }

    public init(channels: Int, height: Int, width: Int, background: Int, scale: Float) {
        self.channels = channels
        self.height = height
        self.width = width
        self.background = background
        self.scale = scale
    }
}

/// How a model was trained, recorded in its weight file.
public struct TrainingRecord: Codable, Equatable, Sendable {
    /// The command line that produced the file.
    public var command: String
    public var configuration: TrainingConfiguration
    /// CRC-32 of the decompressed IDX files used, by file name.
    public var dataChecksums: [String: String]
    public var trainingImages: Int
    public var validationImages: Int
    public var seconds: Double
    /// Accuracy on the official test set, measured once after training (never used to choose anything).
    public var testAccuracy: Double?
    public var validationAccuracy: Double?
    /// Each epoch's loss, accuracy, learning rate and time.
    public var history: [Trainer.EpochReport]?
    /// The image sets mixed into every batch, with how many images each holds.
    public var mixedIn: [MixedInRecord]?

    public struct MixedInRecord: Codable, Equatable, Sendable {
        public var prefix: String
        public var share: Float
        public var images: Int

        public init(prefix: String, share: Float, images: Int) {
            self.prefix = prefix
            self.share = share
            self.images = images
        }
    }

    public init(command: String, configuration: TrainingConfiguration, dataChecksums: [String: String],
                trainingImages: Int, validationImages: Int, seconds: Double,
                testAccuracy: Double? = nil, validationAccuracy: Double? = nil, history: [Trainer.EpochReport]? = nil,
                mixedIn: [MixedInRecord]? = nil) {
        self.command = command
        self.configuration = configuration
        self.dataChecksums = dataChecksums
        self.trainingImages = trainingImages
        self.validationImages = validationImages
        self.seconds = seconds
        self.testAccuracy = testAccuracy
        self.validationAccuracy = validationAccuracy
        self.history = history
        self.mixedIn = mixedIn
    }
}
