import CNN
import Foundation

/// One run of `train` from its data to the weight file it writes: the Fashion-MNIST training file
/// divided as the run's state says, the prepared sets mixed in and the trainer; at the end the
/// calibration fitted on the validation images, t10k measured once and the record of how the
/// model was made. A new run and a resumed one differ only in where state and weights come from.
public final class TrainingSession {
    public private(set) var header: ModelHeader
    public let trainer: Trainer
    public let trainingSet: LabeledImages
    public let validationSet: LabeledImages?
    /// Each set mixed in, as chosen, with its images.
    public let mixedIn: [(selection: MixedInSelection, set: Trainer.MixedIn)]
    /// Where the Fashion-MNIST files are.
    public let directory: String
    public var network: Network { trainer.network }
    private var checksums: [String: String]

    /// A reason the run cannot go ahead, in words.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// `resumedFrom` names the checkpoint `state` came from, whose state is then held to the
    /// training file; `selection` chooses the images of a new run from the file's image count.
    public init(header: ModelHeader, network: Network, state: TrainingState, checkpointTensors: [String: Tensor] = [:],
                directory: String, resumedFrom checkpoint: String? = nil, selection: (Int) -> DataSelection) throws {
        let trainFile = try FashionMNIST.load(.train, from: directory)
        var state = state
        if let checkpoint, let problem = state.inconsistency(imagesInFile: trainFile.count) {
            throw Problem(description: "\(checkpoint): has an unusable training state: \(problem)")
        }
        let chosen = state.data ?? selection(trainFile.count)
        state.data = chosen
        let all = trainFile.labeledImages
        trainingSet = all.subset(chosen.trainingIndices(count: all.count))
        validationSet = chosen.validation.isEmpty ? nil : all.subset(chosen.validation)
        guard trainingSet.count > 0 else { throw Problem(description: "no training images left after the limit and the validation images") }
        var checksums = trainFile.checksums
        mixedIn = try (chosen.mixedIn ?? []).map { selection in
            let (images, sums) = try PreparedImageFiles.read(prefix: selection.prefix, classCount: header.classNames.count)
            checksums.merge(sums) { a, _ in a }
            return (selection, Trainer.MixedIn(images: images, share: selection.share))
        }
        do {
            trainer = try Trainer(network: network, state: state, training: trainingSet, validation: validationSet,
                                  mixedIn: mixedIn.map(\.set), inputScale: header.input.scale, checkpointTensors: checkpointTensors)
        } catch let error as ImageSizeError {
            throw Problem(description: "\(trainFile.imagesPath)\(mixedIn.isEmpty ? "" : " or an --extra set"): \(error)")
        }
        self.header = header
        self.directory = directory
        self.checksums = checksums
    }

    /// The weights, the optimizer's moments and where training stands, to go on from later.
    public func saveCheckpoint(to path: String) throws {
        var checkpoint = header
        checkpoint.checkpoint = trainer.state
        try ModelFile.write(network, header: checkpoint, extraTensors: trainer.checkpointTensors, to: path)
    }

    /// After training: the calibration fitted on the validation images, t10k (when it is there)
    /// measured once, and the training record, all in `header`.
    public func finish(threads: Int) -> (validationAccuracy: Double?, testAccuracy: Double?) {
        var validationAccuracy: Double?
        if let validationSet {
            let logits = network.logits(validationSet, scale: header.input.scale, threads: threads)
            let labels = validationSet.labels.map(Int.init)
            header.calibration = Calibration.fit(logits: logits, classes: network.classCount, labels: labels)
            validationAccuracy = ClassificationMetrics(classNames: header.classNames, labels: labels, logits: logits).accuracy
        }
        var testAccuracy: Double?
        if let test = try? FashionMNIST.load(.test, from: directory) {
            testAccuracy = network.measure(test.labeledImages, scale: header.input.scale, threads: threads).accuracy
            checksums.merge(test.checksums) { a, _ in a }
        }
        let state = trainer.state
        header.checkpoint = nil
        header.training = TrainingRecord(
            command: state.command, configuration: state.configuration, dataChecksums: checksums,
            trainingImages: trainingSet.count, validationImages: validationSet?.count ?? 0,
            seconds: state.seconds, testAccuracy: testAccuracy, validationAccuracy: validationAccuracy,
            history: state.history,
            mixedIn: state.data?.mixedIn == nil ? nil : mixedIn.map { .init(prefix: $0.selection.prefix, share: $0.selection.share, images: $0.set.images.count) })
        return (validationAccuracy, testAccuracy)
    }
}
