import CNN
import Datasets
import Foundation

extension Train {
    /// The run to continue (`--resume`) or a new one of `--arch`, on its data.
    func makeSession() throws -> TrainingSession {
        var directory = fashionMNIST.data ?? FashionMNIST.defaultDirectory
        func selection(_ count: Int) -> DataSelection {
            DataSelection(directory: directory, limit: limit ?? defaults.limit, validation: (validation ?? defaults.validation).range(within: count),
                          mixedIn: extras.isEmpty ? nil : extras.map(\.selection))
        }
        if let resume {
            let contents = try loadModel(resume)
            guard var state = contents.header.checkpoint else {
                throw CommandFailure(message: "\(resume): is a finished model, not a checkpoint")
            }
            if threading.threads != state.configuration.threads {
                printError("warning: the run used \(state.configuration.threads) threads; continuing with \(threading.threads) gives slightly different weights")
                state.configuration.threads = threading.threads
            }
            directory = state.data?.directory ?? directory
            return try TrainingSession(header: contents.header, network: contents.network, state: state,
                                       checkpointTensors: contents.extraTensors, directory: directory, resumedFrom: resume, selection: selection)
        }
        var architecture = Architecture.named[arch]!
        if self.`init` == .notebook { architecture = architecture.withNotebookInitialisation() }
        let network = try Network(architecture)
        network.initialize(seed: seed)
        return try TrainingSession(header: ModelHeader(architecture: architecture, classNames: FashionMNIST.classNames), network: network,
                                   state: TrainingState(configuration: configuration(), command: commandLine()), directory: directory,
                                   selection: selection)
    }

    /// The architecture's recipe, for the options not given.
    var defaults: TrainingRecipe { TrainingRecipe.named[arch] ?? .basic }

    func configuration() -> TrainingConfiguration {
        let d = defaults
        let schedule: LearningRateSchedule = switch self.schedule {
        case nil: d.schedule
        case .constant: .constant
        case .step: .step(epochs: stepEpochs, factor: stepFactor)
        case .cosine: .cosine
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

    var augmentation: Augmentation { augmenting.augmentation(over: defaults.augmentation) }

    func commandLine() -> String {
        (["cnnclassify"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    }
}
