import CNN
import Datasets
import TestSupport
import XCTest

final class TrainingTests: XCTestCase {
    private let small = Architecture(name: "small", inputShape: [1, 28, 28], layers: [
        .conv2D(.init(filters: 4, kernelSize: 3, stride: 2)), .relu, .maxPool2D(size: 2, stride: 2),
        .flatten, .dense(.init(outputs: 16)), .relu, .dropout(rate: 0.2), .dense(.init(outputs: 10)),
    ])

    private func train(_ architecture: Architecture, _ configuration: TrainingConfiguration, data: LabeledImages,
                       stopAfterBatches: Int? = nil) throws -> Trainer {
        let network = try Network(architecture)
        network.initialize(seed: configuration.seed)
        let trainer = try Trainer(network: network, state: TrainingState(configuration: configuration, command: "test"),
                                  training: data, validation: nil, inputScale: 1.0 / 255)
        var batches = 0
        trainer.shouldStop = {
            batches += 1
            return stopAfterBatches.map { batches >= $0 } ?? false
        }
        _ = try trainer.run()
        return trainer
    }

    private func weights(_ trainer: Trainer) -> [[Float]] { trainer.network.parameters.map(\.value.values) }

    func testLearnsSyntheticData() throws {
        let data = SyntheticData.images(count: 400)
        let trainer = try train(small, .init(epochs: 3, batchSize: 16, optimizer: .adam, learningRate: 0.01, seed: 1, threads: 2), data: data)
        XCTAssertGreaterThan(trainer.network.measure(data, scale: 1.0 / 255, threads: 2).accuracy, 0.9)
    }

    func testSameSeedSameThreadsGivesIdenticalWeights() throws {
        let data = SyntheticData.images(count: 200)
        let configuration = TrainingConfiguration(epochs: 2, batchSize: 32, optimizer: .sgd, learningRate: 0.05, momentum: 0.9,
                                                  weightDecay: 1e-4, schedule: .cosine, seed: 4, threads: 2)
        let a = try train(small, configuration, data: data), b = try train(small, configuration, data: data)
        XCTAssertEqual(weights(a), weights(b))
        var other = configuration
        other.seed = 5
        XCTAssertNotEqual(weights(try train(small, other, data: data)), weights(a))
    }

    /// Stopping mid-epoch, saving a checkpoint and resuming from it gives the weights of the
    /// uninterrupted run.
    func testResumeFromCheckpointMatchesUninterruptedRun() throws {
        let data = SyntheticData.images(count: 160)
        let configuration = TrainingConfiguration(epochs: 2, batchSize: 16, optimizer: .adam, learningRate: 0.005,
                                                  schedule: .cosine, seed: 9, threads: 2)
        let uninterrupted = try train(small, configuration, data: data)
        let interrupted = try train(small, configuration, data: data, stopAfterBatches: 13)
        XCTAssertEqual(interrupted.state.epoch, 1)
        XCTAssertEqual(interrupted.state.batch, 3)

        let directory = TemporaryDirectory()
        let path = directory.file("checkpoint.cnnw")
        try ModelFile.write(interrupted.network, header: ModelHeader(architecture: small, classNames: FashionMNIST.classNames,
                                                                     checkpoint: interrupted.state),
                            extraTensors: interrupted.optimizerState, to: path)
        let saved = try ModelFile.read(path)
        let resumed = try Trainer(network: saved.network, state: saved.header.checkpoint!, training: data, validation: nil,
                                  inputScale: 1.0 / 255, optimizerState: saved.extraTensors)
        XCTAssertEqual(try resumed.run(), .finished)
        XCTAssertEqual(weights(resumed), weights(uninterrupted))
    }

    /// The seed network for one epoch on 1,000 real training images, twice: identical weights.
    func testSeedNetworkEpochIsDeterministicOnRealData() throws {
        let images = try RealData.load(.train).subset(0..<1000)
        let configuration = TrainingConfiguration(epochs: 1, batchSize: 1, optimizer: .sgd, learningRate: 0.01, seed: 3, threads: 2)
        let a = try train(.seed, configuration, data: images), b = try train(.seed, configuration, data: images)
        XCTAssertEqual(weights(a), weights(b))
        XCTAssertGreaterThan(a.network.measure(images, scale: 1.0 / 255, threads: 2).accuracy, 0.5, "one epoch already learns")
    }

    func testDataSelectionKeepsValidationOut() {
        let selection = DataSelection(directory: "", limit: 4, validation: 2..<5)
        XCTAssertEqual(selection.trainingIndices(count: 10), [0, 1, 5, 6])
        XCTAssertEqual(DataSelection(directory: "", limit: nil, validation: 8..<10).trainingIndices(count: 10), Array(0..<8))
    }

    func testMetrics() {
        let m = ClassificationMetrics(classNames: ["a", "b"], labels: [0, 0, 0, 1, 1], predictions: [0, 0, 1, 1, 0])
        XCTAssertEqual(m.confusion, [[2, 1], [1, 1]])
        XCTAssertEqual(m.accuracy, 0.6)
        XCTAssertEqual(m.classes[0].precision, 2.0 / 3)
        XCTAssertEqual(m.classes[1].recall, 0.5)
        XCTAssertEqual(m.classes[1].f1, 0.5)
        // Wilson interval for 60/100 at 95%: 0.5020 – 0.6906.
        let interval = ClassificationMetrics.wilsonInterval(successes: 60, trials: 100)
        XCTAssertEqual(interval[0], 0.5020, accuracy: 1e-4)
        XCTAssertEqual(interval[1], 0.6906, accuracy: 1e-4)
    }
}
