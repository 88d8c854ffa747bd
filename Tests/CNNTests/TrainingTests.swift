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
                       mixedIn: [Trainer.MixedIn] = [], stopAfterBatches: Int? = nil) throws -> Trainer {
        let network = try Network(architecture)
        network.initialize(seed: configuration.seed)
        let trainer = try Trainer(network: network, state: TrainingState(configuration: configuration, command: "test"),
                                  training: data, validation: nil, mixedIn: mixedIn, inputScale: 1.0 / 255)
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
        try assertResumeMatchesUninterruptedRun(.init(epochs: 2, batchSize: 16, optimizer: .adam, learningRate: 0.005,
                                                      schedule: .cosine, seed: 9, threads: 2))
    }

    /// The same while weights are being averaged: the checkpoint carries the average so far.
    func testResumeDuringWeightAveragingMatchesUninterruptedRun() throws {
        let checkpoint = try assertResumeMatchesUninterruptedRun(
            .init(epochs: 3, batchSize: 16, optimizer: .sgd, learningRate: 0.05, momentum: 0.9, schedule: .cosine, seed: 9, threads: 2,
                  averaging: WeightAveraging(startEpoch: 1, learningRate: 0.01)))
        let withoutAverages = checkpoint.extraTensors.filter { !$0.key.hasPrefix("average.") }
        XCTAssertThrowsError(try Trainer(network: checkpoint.network, state: checkpoint.header.checkpoint!, training: SyntheticData.images(count: 160),
                                         validation: nil, inputScale: 1.0 / 255, checkpointTensors: withoutAverages))
    }

    /// Interrupts a run in epoch 2 at batch 3 (after 13 batches with 160 images in batches of 16,
    /// or `batchesPerEpoch + 3` with images mixed in), saves a checkpoint, resumes from it and
    /// checks the weights against an uninterrupted run. Returns the checkpoint.
    @discardableResult
    private func assertResumeMatchesUninterruptedRun(_ configuration: TrainingConfiguration, mixedIn: [Trainer.MixedIn] = [],
                                                     batchesPerEpoch: Int = 10) throws -> ModelFile.Contents {
        let data = SyntheticData.images(count: 160)
        let uninterrupted = try train(small, configuration, data: data, mixedIn: mixedIn)
        let interrupted = try train(small, configuration, data: data, mixedIn: mixedIn, stopAfterBatches: batchesPerEpoch + 3)
        XCTAssertEqual(interrupted.state.epoch, 1)
        XCTAssertEqual(interrupted.state.batch, 3)

        let directory = TemporaryDirectory()
        let path = directory.file("checkpoint.cnnw")
        try ModelFile.write(interrupted.network, header: ModelHeader(architecture: small, classNames: FashionMNIST.classNames,
                                                                     checkpoint: interrupted.state),
                            extraTensors: interrupted.checkpointTensors, to: path)
        let saved = try ModelFile.read(path)
        let resumed = try Trainer(network: saved.network, state: saved.header.checkpoint!, training: data, validation: nil,
                                  mixedIn: mixedIn, inputScale: 1.0 / 255, checkpointTensors: saved.extraTensors)
        XCTAssertEqual(try resumed.run(), .finished)
        XCTAssertEqual(weights(resumed), weights(uninterrupted))
        return saved
    }

    /// Mixed-in images with sets of right classes and with none: a bar where class 3 has it
    /// may be class 3 or 4; a vertical bar, unlike any class, is none of these.
    private func mixedInImages(count: Int) -> SetLabelledImages {
        let classThree = SyntheticData.images(count: 40).subset((0..<40).filter { $0 % 10 == 3 })
        var pixels: [UInt8] = [], sets: [LabelSet] = []
        var random = RandomSource(seed: 12)
        for i in 0..<count {
            if i % 2 == 0 {
                pixels += classThree.pixels[(i / 2 % classThree.count) * 784 ..< (i / 2 % classThree.count + 1) * 784]
                sets.append(LabelSet([3, 4]))
            } else {
                var image = (0..<784).map { _ in UInt8(random.nextUniform() * 60) }
                let column = 4 + i % 20
                for r in 4..<24 { image[r * 28 + column] = 230; image[r * 28 + column + 1] = 230 }
                pixels += image
                sets.append(.none)
            }
        }
        return SetLabelledImages(pixels: pixels, sets: sets, height: 28, width: 28)
    }

    func testMixedInSetsAreLearnedAndNoneOfTheseComesOutUncertain() throws {
        let data = SyntheticData.images(count: 400), mixed = mixedInImages(count: 40)
        let configuration = TrainingConfiguration(epochs: 4, batchSize: 16, optimizer: .adam, learningRate: 0.01, seed: 1, threads: 2)
        let trainer = try train(small, configuration, data: data, mixedIn: [Trainer.MixedIn(images: mixed, share: 0.25)])
        XCTAssertEqual(trainer.mixedInPerBatch, [4])
        XCTAssertEqual(trainer.trainingPerBatch, 12)
        XCTAssertEqual(trainer.imagesPerEpoch, 400 + 34 * 4, "34 batches of 12 training images, each with 4 mixed in")
        XCTAssertGreaterThan(trainer.network.measure(data, scale: 1.0 / 255, threads: 2).accuracy, 0.9)
        let asImages = LabeledImages(pixels: mixed.pixels, labels: [UInt8](repeating: 0, count: mixed.count), height: 28, width: 28)
        let logits = trainer.network.logits(asImages, scale: 1.0 / 255, threads: 2)
        for i in 0..<mixed.count {
            let row = Array(logits[i * 10 ..< (i + 1) * 10]), top = row.max()!
            let probabilities = row.map { exp($0 - top) / row.map { exp($0 - top) }.reduce(0, +) }
            if mixed.sets[i].isEmpty {
                XCTAssertLessThan(probabilities.max()!, 0.5, "none of these, image \(i)")
            } else {
                XCTAssertGreaterThan(probabilities[3] + probabilities[4], 0.9, "class 3 or 4, image \(i)")
            }
        }
        // Without the mixed-in images the vertical bars get a confident answer.
        let plain = try train(small, configuration, data: data)
        let plainLogits = plain.network.logits(asImages, scale: 1.0 / 255, threads: 2)
        let confident = (0..<mixed.count).filter { i in
            let row = Array(plainLogits[i * 10 ..< (i + 1) * 10]), top = row.max()!
            return mixed.sets[i].isEmpty && 1 / row.map { exp($0 - top) }.reduce(0, +) >= 0.5
        }
        XCTAssertGreaterThan(confident.count, 5)
    }

    func testResumeWithMixedInImagesMatchesUninterruptedRun() throws {
        try assertResumeMatchesUninterruptedRun(.init(epochs: 2, batchSize: 16, optimizer: .adam, learningRate: 0.005, seed: 9, threads: 2),
                                                mixedIn: [Trainer.MixedIn(images: mixedInImages(count: 30), share: 0.2)],
                                                batchesPerEpoch: 13)
    }

    /// Averaging from epoch 2 of 4: the trained weights are the mean of those at the end of
    /// epochs 2, 3 and 4.
    func testWeightAveragingGivesMeanOfEpochEndWeights() throws {
        let data = SyntheticData.images(count: 160)
        let configuration = TrainingConfiguration(epochs: 4, batchSize: 16, optimizer: .sgd, learningRate: 0.05, momentum: 0.9,
                                                  schedule: .cosine, seed: 2, threads: 2,
                                                  averaging: WeightAveraging(startEpoch: 2, learningRate: 0.02))
        let network = try Network(small)
        network.initialize(seed: 2)
        let trainer = try Trainer(network: network, state: TrainingState(configuration: configuration, command: "test"),
                                  training: data, validation: nil, inputScale: 1.0 / 255)
        var snapshots: [[[Float]]] = []
        trainer.onEpoch = { _ in snapshots.append(network.parameters.map(\.value.values)) }
        XCTAssertEqual(try trainer.run(), .finished)
        XCTAssertEqual(snapshots.count, 4)
        let averaged = weights(trainer)
        XCTAssertFalse(averaged == snapshots[3], "the last epoch's weights, not the average")
        var worst: Float = 0
        for (p, parameter) in averaged.enumerated() {
            for (i, value) in parameter.enumerated() {
                let mean = (snapshots[1][p][i] + snapshots[2][p][i] + snapshots[3][p][i]) / 3
                worst = max(worst, abs(value - mean) / (1e-1 + abs(mean)))
            }
        }
        XCTAssertLessThan(worst, 1e-5)
    }

    /// After averaging, batch normalisation's running mean is measured afresh with the averaged
    /// weights: with equal batches and no augmentation it is the convolution's mean output per
    /// channel over all training images.
    func testWeightAveragingMeasuresBatchStatisticsAgain() throws {
        let architecture = Architecture(name: "normed", inputShape: [1, 28, 28], layers: [
            .conv2D(.init(filters: 4, kernelSize: 3, stride: 2)), .batchNorm2D(.init()), .relu, .flatten, .dense(.init(outputs: 10)),
        ])
        let data = SyntheticData.images(count: 160)
        let trainer = try train(architecture, .init(epochs: 2, batchSize: 16, optimizer: .sgd, learningRate: 0.05, momentum: 0.9,
                                                    seed: 5, threads: 2, averaging: WeightAveraging(startEpoch: 1, learningRate: 0.02)),
                                data: data)
        let input = Tensor()
        var labels: [Int32] = []
        data.fill(input, labels: &labels, indices: 0..<data.count, scale: 1.0 / 255)
        let convolved = trainer.network.layers[0].forward(input, context: RunContext(training: false, threads: 2))
        let norm = try XCTUnwrap(trainer.network.layers[1] as? BatchNorm2D)
        let positions = convolved.count / (data.count * 4)
        for c in 0..<4 {
            var sum = 0.0
            for n in 0..<data.count {
                for i in 0..<positions { sum += Double(convolved[(n * 4 + c) * positions + i]) }
            }
            XCTAssertEqual(Double(norm.runningMean[c]), sum / Double(data.count * positions), accuracy: 1e-4)
        }
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

    /// The recipes are written once, in code: `train --help` prints them from it and
    /// docs/training.md must say the same.
    func testDocumentedRecipesAreTheCodes() throws {
        let page = try String(contentsOfFile: (repositoryRoot as NSString).appendingPathComponent("docs/training.md"), encoding: .utf8)
        for name in ["basic", "seed", "fashion"] {
            let recipe = try XCTUnwrap(TrainingRecipe.named[name])
            XCTAssertTrue(page.contains("- \(name): \(recipe.summary).\n"), "docs/training.md does not list \(name): \(recipe.summary)")
        }
        XCTAssertEqual(Set(TrainingRecipe.named.keys), Set(Architecture.named.keys))
    }
}
