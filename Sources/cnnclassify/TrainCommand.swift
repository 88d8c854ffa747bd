import ArgumentParser
import CNN
import Datasets
import Foundation
import Reports

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a network on Fashion-MNIST IDX files and write its weight file.",
        discussion: """
            Each architecture brings its own defaults; options given override them.
              basic    two 3×3 convolutions, 128 hidden units, 421K parameters:
                       10 epochs, batch 64, Adam, lr 0.001, cosine schedule,
                       validation on the last 5,000 training images
              seed     the original notebook: one 6×6 filter, 121→10 softmax;
                       50 epochs of per-sample SGD (lr 0.01) on the first
                       5,000 training images, validated on 5000..<10000
              fashion  three 3×3 convolutions with batch normalisation, 256
                       hidden units, 861K parameters (the shipped model,
                       which Models/train-fashion.sh trains with photos):
                       35 epochs, batch 128, SGD lr 0.05, momentum 0.9,
                       weight decay 5e-4, cosine schedule; images shifted
                       by up to 2 pixels, mirrored, darkened (tone up to
                       0.8), erased with p 0.2

            Progress goes to stderr: a live bar on a terminal, otherwise one
            line per epoch. Ctrl-C stops at the next batch and saves a
            checkpoint; continue with --resume FILE. The same seed and
            --threads give bit-identical weights.

            Examples:
              cnnclassify train --arch fashion --seed 1 --epochs 50 --extra data/p:0.2
              cnnclassify train --arch basic --epochs 10 --seed 1
              cnnclassify train --arch seed --seed 3 --output Models/seed.cnnw
              cnnclassify train --resume checkpoints/basic.checkpoint.cnnw
            """
    )

    @OptionGroup var fashionMNIST: DataOptions

    @Option(help: "Architecture: basic, seed or fashion.")
    var arch: String = "basic"

    @Option(help: "Initialisation: default (He/Glorot) or notebook (the seed notebook's randn/rand).")
    var `init`: InitialisationChoice = .default

    @Option(help: "Passes over the training images.") var epochs: Int?
    @Option(help: "Images per optimizer step.") var batchSize: Int?
    @Option(help: "sgd or adam.") var optimizer: OptimizerKind?
    @Option(name: .customLong("lr"), help: "Base learning rate.") var learningRate: Float?
    @Option(help: "SGD momentum.") var momentum: Float?
    @Option(help: "Weight decay (L2 for SGD, decoupled for Adam).") var weightDecay: Float?
    @Option(help: "Learning-rate schedule: constant, step or cosine.") var schedule: ScheduleChoice?
    @Option(help: "With --schedule step: epochs between decays.") var stepEpochs: Int = 5
    @Option(help: "With --schedule step: factor applied at each decay.") var stepFactor: Float = 0.1
    @Option(help: "Seed for initialisation, shuffling, dropout and augmentation.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Augmentation: shift training images by up to this many pixels (fashion: 2).", valueName: "pixels")) var augmentShift: Float?
    @Option(help: ArgumentHelp("Augmentation: scale training images by up to ± this fraction.", valueName: "fraction")) var augmentScale: Float?
    @Flag(inversion: .prefixedNo, help: "Augmentation: mirror half of the training images left to right (fashion: on).") var augmentMirror: Bool?
    @Option(help: ArgumentHelp("Augmentation: show half of the training images as a darker item, lifting their pixels by up to this share of the way to white (fashion: 0.8).",
                               valueName: "fraction")) var augmentTone: Float?
    @Option(help: ArgumentHelp("Augmentation: erase a random rectangle with this probability (fashion: 0.2).", valueName: "probability")) var augmentErase: Float?
    @Option(help: ArgumentHelp("Augmentation: turn training images by up to this many degrees either way.", valueName: "degrees")) var augmentRotate: Float?
    @Option(help: ArgumentHelp("Augmentation: drop each pixel of an item's outline with this probability, as a photo's mask leaves it ragged.",
                               valueName: "probability")) var augmentRagged: Float?
    @Option(help: ArgumentHelp("Augmentation: add noise of this standard deviation (pixels in 0…1) to the item.", valueName: "sigma")) var augmentNoise: Float?
    @Option(help: ArgumentHelp("Augmentation: blend half of the training images with their blur (σ 1 pixel) by up to this share, as segmented photos are softened.",
                               valueName: "fraction")) var augmentBlur: Float?
    @Option(help: ArgumentHelp("Augmentation: slant training images, one edge narrowed or widened by up to this fraction (at most 0.5).",
                               valueName: "fraction")) var augmentPerspective: Float?
    @Option(help: ArgumentHelp("Augmentation: with this probability cut 15–35% of the item off at one side and fit the rest to its old size.",
                               valueName: "probability")) var augmentCut: Float?
    @Option(help: ArgumentHelp("Augmentation: with this probability keep a strip of background (gray, 2–5 pixels) beside the item.",
                               valueName: "probability")) var augmentBackground: Float?
    @Option(help: ArgumentHelp("Label smoothing: the share of each target spread evenly over all classes.", valueName: "epsilon"))
    var labelSmoothing: Float?
    @Option(help: ArgumentHelp("Stochastic weight averaging: decay the learning rate to --swa-lr by the end of this epoch, keep it there, and make the network the average of the weights at the end of this and every later epoch.",
                               valueName: "epoch"))
    var swaStart: Int?
    @Option(help: ArgumentHelp("With --swa-start: the learning rate of the averaged epochs (default: a fifth of --lr).", valueName: "rate"))
    var swaLR: Float?
    @Option(name: .customLong("extra"), help: ArgumentHelp(
        "Mix prepared images (`cnnclassify prepare … --output PREFIX`) into every batch, SHARE of it (default 0.25); repeatable.",
        valueName: "prefix[:share]"))
    var extras: [MixedInArgument] = []
    @Option(help: "Train on at most the first N training images (outside the validation images).") var limit: Int?
    @Option(help: ArgumentHelp("Validation images: N (the last N of the training file) or a range a..<b of it; 0 for none.",
                               valueName: "N|a..<b"))
    var validation: ValidationSelection?
    @Option(help: "Where to write the weight file (default: Models/<arch>.cnnw).") var output: String?
    @Option(help: "Directory for checkpoints (written after each epoch and on Ctrl-C).") var checkpointDir: String = "checkpoints"
    @Option(help: ArgumentHelp("Continue an interrupted run from this checkpoint.", valueName: "checkpoint")) var resume: String?
    @Option(help: "Write per-epoch metrics to this file (.csv, or .json/.jsonl for JSON lines).") var log: String?
    @Option(help: "Format of --log when its name does not tell.") var logFormat: MetricsLog.Format?
    @Option(help: ArgumentHelp("Write loss and accuracy curves per epoch (training-curves.svg) to this directory.", valueName: "directory"))
    var report: String?
    @OptionGroup var threading: ThreadOptions

    enum InitialisationChoice: String, ExpressibleByArgument, CaseIterable { case `default`, notebook }
    enum ScheduleChoice: String, ExpressibleByArgument, CaseIterable { case constant, step, cosine }

    /// `PREFIX[:SHARE]`; a prefix may hold colons of its own, so only a number after the last one is a share.
    struct MixedInArgument: ExpressibleByArgument {
        static let defaultShare: Float = 0.25
        var selection: MixedInSelection

        init?(argument: String) {
            if let colon = argument.lastIndex(of: ":"), let share = Float(argument[argument.index(after: colon)...]) {
                selection = MixedInSelection(prefix: String(argument[..<colon]), share: share)
            } else {
                selection = MixedInSelection(prefix: argument, share: Self.defaultShare)
            }
            if selection.prefix.isEmpty { return nil }
        }
    }

    func validate() throws {
        guard Architecture.named[arch] != nil else {
            throw ValidationError("unknown architecture '\(arch)'; choose one of \(Architecture.named.keys.sorted().joined(separator: ", "))")
        }
        for (name, value) in [("--epochs", epochs), ("--batch-size", batchSize), ("--limit", limit)] {
            if let value, value <= 0 { throw ValidationError("\(name) must be positive") }
        }
        if let learningRate, !(learningRate > 0) { throw ValidationError("--lr must be positive") }
        if let problem = augmentation.problem { throw ValidationError("augmentation needs " + problem) }
        if let labelSmoothing, !(0..<1).contains(labelSmoothing) { throw ValidationError("--label-smoothing must be in [0, 1)") }
        if let swaStart, !(1...(epochs ?? defaults.epochs)).contains(swaStart) {
            throw ValidationError("--swa-start must be an epoch from 1 to the number of epochs")
        }
        if let problem = MixedInSelection.problem(extras.map(\.selection)) { throw ValidationError("--extra: \(problem)") }
        if let swaLR {
            guard swaStart != nil else { throw ValidationError("--swa-lr needs --swa-start") }
            guard swaLR > 0 else { throw ValidationError("--swa-lr must be positive") }
        }
    }

    mutating func run() throws {
        let start = Date()
        if let report {
            // Found unwritable now rather than after an hour of training.
            do {
                try FileManager.default.createDirectory(atPath: report, withIntermediateDirectories: true)
            } catch {
                throw CommandFailure(message: "\(report): cannot create the report directory")
            }
        }
        var header: ModelHeader
        var state: TrainingState
        var checkpointTensors: [String: Tensor] = [:]
        let network: Network
        if let resume {
            let contents = try loadModel(resume)
            guard let saved = contents.header.checkpoint else {
                throw CommandFailure(message: "\(resume): is a finished model, not a checkpoint")
            }
            header = contents.header
            state = saved
            network = contents.network
            checkpointTensors = contents.extraTensors
            if threading.threads != state.configuration.threads {
                printError("warning: the run used \(state.configuration.threads) threads; continuing with \(threading.threads) gives slightly different weights")
                state.configuration.threads = threading.threads
            }
        } else {
            var architecture = Architecture.named[arch]!
            if self.`init` == .notebook { architecture = architecture.withNotebookInitialisation() }
            network = try Network(architecture)
            network.initialize(seed: seed)
            header = ModelHeader(architecture: architecture, classNames: FashionMNIST.classNames)
            state = TrainingState(configuration: configuration(), command: commandLine())
        }
        let directory = state.data?.directory ?? fashionMNIST.data ?? FashionMNIST.defaultDirectory
        let trainFile = try loadSplit(.train, directory)
        if let resume, let problem = state.inconsistency(imagesInFile: trainFile.count) {
            throw CommandFailure(message: "\(resume): has an unusable training state: \(problem)")
        }
        if state.data == nil {
            let validationRange = (validation ?? defaults.validation).range(within: trainFile.count)
            state.data = DataSelection(directory: directory, limit: limit ?? defaults.limit, validation: validationRange,
                                       mixedIn: extras.isEmpty ? nil : extras.map(\.selection))
        }
        let selection = state.data!
        let all = trainFile.labeledImages
        let trainingSet = all.subset(selection.trainingIndices(count: all.count))
        let validationSet = selection.validation.isEmpty ? nil : all.subset(selection.validation)
        guard trainingSet.count > 0 else { throw CommandFailure(message: "no training images left after --limit and --validation") }
        var checksums = trainFile.checksums
        let mixedIn = try (selection.mixedIn ?? []).map { chosen in
            do {
                let (images, sums) = try PreparedImageFiles.read(prefix: chosen.prefix, classCount: header.classNames.count)
                checksums.merge(sums) { a, _ in a }
                return Trainer.MixedIn(images: images, share: chosen.share)
            } catch {
                throw CommandFailure(message: "\(error)")
            }
        }

        let trainer: Trainer
        do {
            trainer = try Trainer(network: network, state: state, training: trainingSet, validation: validationSet,
                                  mixedIn: mixedIn, inputScale: header.input.scale, checkpointTensors: checkpointTensors)
        } catch let error as ImageSizeError {
            throw CommandFailure(message: "\(trainFile.imagesPath)\(mixedIn.isEmpty ? "" : " or an --extra set"): \(error)")
        }
        let c = state.configuration
        let display = ProgressDisplay(totalEpochs: c.epochs)
        let metricsLog = try log.map { try MetricsLog(path: $0, format: MetricsLog.format(for: $0, explicit: logFormat), resuming: resume != nil) }
        let outputPath = output ?? "Models/\(header.architecture.name).cnnw"
        let checkpointPath = (checkpointDir as NSString).appendingPathComponent("\(header.architecture.name).checkpoint.cnnw")
        // Before any work: a model that cannot be written at the end is a run lost.
        do {
            try AtomicFile.checkWritable(outputPath)
        } catch let error as FileProblem {
            throw CommandFailure(message: "\(error.path): \(error.reason); nothing trained")
        }
        let mixedInNote = zip(selection.mixedIn ?? [], zip(mixedIn, trainer.mixedInPerBatch)).map { chosen, set in
            "\(grouped(set.0.images.count)) from \(chosen.prefix) (\(set.1) a batch)"
        }
        display.message("training \(header.architecture.name) (\(grouped(network.parameterCount)) parameters) on \(grouped(trainingSet.count)) images"
            + (mixedInNote.isEmpty ? "" : " and " + mixedInNote.joined(separator: ", ")) + ", "
            + "validating on \(grouped(validationSet?.count ?? 0)); \(c.epochs) epochs, batch \(c.batchSize), \(c.optimizer.rawValue) lr \(c.learningRate), "
            + "seed \(c.seed), \(c.threads) threads")
        if resume != nil { display.message("resuming at epoch \(state.epoch + 1), batch \(state.batch) of \(trainer.batchesPerEpoch)") }

        trainer.onProgress = display.show
        trainer.onEpoch = { report in
            guard report.trainLoss.isFinite else {
                let kept = FileManager.default.fileExists(atPath: checkpointPath) ? "; the last good checkpoint is \(checkpointPath)" : ""
                throw CommandFailure(message: "training diverged at epoch \(report.epoch) (the loss is not a number); try a lower --lr" + kept)
            }
            display.epochFinished(report)
            try metricsLog?.append(report)
            if report.epoch < c.epochs {
                // A checkpoint is insurance: failing to write one is said, and training goes on.
                do {
                    try saveCheckpoint(trainer, header: header, to: checkpointPath)
                } catch {
                    display.message("warning: \(error); training goes on without a checkpoint for epoch \(report.epoch)")
                }
            } else if let averaging = c.averaging {
                display.message("averaging the weights of epochs \(averaging.startEpoch)–\(c.epochs)"
                    + (network.hasBatchNormalisation ? "; measuring batch-norm statistics again over the training images" : ""))
            }
        }
        Interrupt.install()
        trainer.shouldStop = { Interrupt.wasRequested }
        if try trainer.run() == .interrupted {
            try saveCheckpoint(trainer, header: header, to: checkpointPath)
            display.message("interrupted at epoch \(trainer.state.epoch + 1), batch \(trainer.state.batch); checkpoint saved. Continue with:\n"
                + "  cnnclassify train --resume \(checkpointPath)")
            throw ExitCode(130)
        }

        var validationAccuracy: Double?
        if let validationSet {
            let logits = network.logits(validationSet, scale: header.input.scale, threads: threading.threads)
            let labels = validationSet.labels.map(Int.init)
            header.calibration = Calibration.fit(logits: logits, classes: network.classCount, labels: labels)
            validationAccuracy = ClassificationMetrics(classNames: header.classNames, labels: labels, logits: logits).accuracy
        }
        var testAccuracy: Double?
        if let test = try? FashionMNIST.load(.test, from: directory) {
            let images = test.labeledImages
            testAccuracy = network.measure(images, scale: header.input.scale, threads: threading.threads).accuracy
            checksums.merge(test.checksums) { a, _ in a }
        }
        header.checkpoint = nil
        header.training = TrainingRecord(
            command: trainer.state.command, configuration: c, dataChecksums: checksums,
            trainingImages: trainingSet.count, validationImages: validationSet?.count ?? 0,
            seconds: trainer.state.seconds, testAccuracy: testAccuracy, validationAccuracy: validationAccuracy,
            history: trainer.state.history,
            mixedIn: selection.mixedIn.map { zip($0, mixedIn).map { .init(prefix: $0.prefix, share: $0.share, images: $1.images.count) } })
        do {
            try ModelFile.write(network, header: header, to: outputPath)
        } catch {
            // The disk may have filled during training: keep the model where checkpoints go.
            let rescue = (checkpointDir as NSString).appendingPathComponent("\(header.architecture.name).unsaved.cnnw")
            guard (try? ModelFile.write(network, header: header, to: rescue)) != nil else { throw error }
            throw CommandFailure(message: "\(error); the trained model was written to \(rescue) instead")
        }
        if let report {
            let svg = TrainingCurves.svg(trainer.state.history ?? [], title: "Training \(header.architecture.name): \((outputPath as NSString).lastPathComponent)")
            try writeReport(Array(svg.utf8), named: "training-curves.svg", in: report)
        }
        try? FileManager.default.removeItem(atPath: checkpointPath)
        var summary = "wrote \(outputPath): trained in \(fixed(trainer.state.seconds, 1)) s"
        if let validationAccuracy { summary += ", validation accuracy \(percent(validationAccuracy))" }
        if let t = header.calibration?.temperature { summary += ", temperature \(fixed(Double(t), 3))" }
        if let testAccuracy { summary += ", t10k accuracy \(percent(testAccuracy))" }
        print(summary + " (wall time \(fixed(Date().timeIntervalSince(start), 1)) s)")
    }

    /// Per-architecture defaults for the options not given.
    private var defaults: TrainingDefaults {
        switch arch {
        case "seed": .seed
        case "fashion": .fashion
        default: .basic
        }
    }

    private func configuration() -> TrainingConfiguration {
        let d = defaults
        let schedule: LearningRateSchedule
        switch self.schedule ?? d.schedule {
        case .constant: schedule = .constant
        case .step: schedule = .step(epochs: stepEpochs, factor: stepFactor)
        case .cosine: schedule = .cosine
        }
        let baseRate = learningRate ?? d.learningRate
        return TrainingConfiguration(
            epochs: epochs ?? d.epochs, batchSize: batchSize ?? d.batchSize, optimizer: optimizer ?? d.optimizer,
            learningRate: baseRate, momentum: momentum ?? d.momentum, weightDecay: weightDecay ?? d.weightDecay,
            schedule: schedule, seed: seed, threads: threading.threads,
            augmentation: augmentation.isIdentity ? nil : augmentation,
            labelSmoothing: labelSmoothing.flatMap { $0 > 0 ? $0 : nil },
            averaging: swaStart.map { WeightAveraging(startEpoch: $0, learningRate: swaLR ?? baseRate / 5) })
    }

    private var augmentation: Augmentation {
        let d = defaults.augmentation
        return Augmentation(maxShift: augmentShift ?? d.maxShift, maxScale: augmentScale ?? d.maxScale,
                            mirror: augmentMirror ?? d.mirror, tone: augmentTone ?? d.tone, erasing: augmentErase ?? d.erasing,
                            maxRotation: augmentRotate ?? d.maxRotation, ragged: augmentRagged ?? d.ragged, noise: augmentNoise ?? d.noise,
                            blur: augmentBlur ?? d.blur, perspective: augmentPerspective ?? d.perspective, cut: augmentCut ?? d.cut,
                            background: augmentBackground ?? d.background)
    }

    private func commandLine() -> String {
        (["cnnclassify"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    }
}

private func saveCheckpoint(_ trainer: Trainer, header: ModelHeader, to path: String) throws {
    var checkpoint = header
    checkpoint.checkpoint = trainer.state
    try ModelFile.write(trainer.network, header: checkpoint, extraTensors: trainer.checkpointTensors, to: path)
}

/// What `train` uses for the options not given, per architecture.
struct TrainingDefaults {
    var epochs: Int
    var batchSize: Int
    var optimizer: OptimizerKind
    var learningRate: Float
    var momentum: Float = 0
    var weightDecay: Float = 0
    var schedule: Train.ScheduleChoice
    var augmentation = Augmentation()
    var limit: Int?
    var validation: ValidationSelection = .last(5000)

    /// The notebook's procedure.
    static let seed = TrainingDefaults(epochs: 50, batchSize: 1, optimizer: .sgd, learningRate: 0.01, schedule: .constant,
                                       limit: 5000, validation: .range(5000..<10000))
    static let basic = TrainingDefaults(epochs: 10, batchSize: 64, optimizer: .adam, learningRate: 0.001, schedule: .cosine)
    /// The shipped model's recipe, but for the photos mixed in and fifteen more epochs
    /// (`Models/train-fashion.sh`).
    static let fashion = TrainingDefaults(epochs: 35, batchSize: 128, optimizer: .sgd, learningRate: 0.05, momentum: 0.9,
                                          weightDecay: 5e-4, schedule: .cosine,
                                          augmentation: Augmentation(maxShift: 2, mirror: true, tone: 0.8, erasing: 0.2))
}
