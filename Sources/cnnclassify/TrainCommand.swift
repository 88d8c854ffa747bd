import ArgumentParser
import CNN
import Datasets
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network on Fashion-MNIST IDX files and write its weight file.",
        discussion: Self.discussion
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
    @OptionGroup var augmenting: AugmentationOptions
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
        let session: TrainingSession
        do {
            session = try makeSession()
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(message: "\(error)")
        }
        let (trainer, network, header) = (session.trainer, session.network, session.header)
        let c = trainer.state.configuration
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
        let mixedInNote = zip(session.mixedIn, trainer.mixedInPerBatch).map { chosen, perBatch in
            "\(grouped(chosen.set.images.count)) from \(chosen.selection.prefix) (\(perBatch) a batch)"
        }
        display.message("training \(header.architecture.name) (\(grouped(network.parameterCount)) parameters) on \(grouped(session.trainingSet.count)) images"
            + (mixedInNote.isEmpty ? "" : " and " + mixedInNote.joined(separator: ", ")) + ", "
            + "validating on \(grouped(session.validationSet?.count ?? 0)); \(c.epochs) epochs, batch \(c.batchSize), \(c.optimizer.rawValue) lr \(c.learningRate), "
            + "seed \(c.seed), \(c.threads) threads")
        if resume != nil { display.message("resuming at epoch \(trainer.state.epoch + 1), batch \(trainer.state.batch) of \(trainer.batchesPerEpoch)") }

        trainer.onProgress = display.show
        trainer.onEpoch = epochHandler(session: session, display: display, metricsLog: metricsLog, checkpointPath: checkpointPath)
        Interrupt.install()
        trainer.shouldStop = { Interrupt.wasRequested }
        if try trainer.run() == .interrupted {
            try session.saveCheckpoint(to: checkpointPath)
            display.message("interrupted at epoch \(trainer.state.epoch + 1), batch \(trainer.state.batch); checkpoint saved. Continue with:\n"
                + "  cnnclassify train --resume \(checkpointPath)")
            throw ExitCode(130)
        }

        let (validationAccuracy, testAccuracy) = session.finish(threads: threading.threads)
        let trained = session.header
        try write(session, to: outputPath)
        try? FileManager.default.removeItem(atPath: checkpointPath)
        var summary = "wrote \(outputPath): trained in \(fixed(trainer.state.seconds, 1)) s"
        if let validationAccuracy { summary += ", validation accuracy \(percent(validationAccuracy))" }
        if let t = trained.calibration?.temperature { summary += ", temperature \(fixed(Double(t), 3))" }
        if let testAccuracy { summary += ", t10k accuracy \(percent(testAccuracy))" }
        print(summary + " (wall time \(fixed(Date().timeIntervalSince(start), 1)) s)")
    }
}
