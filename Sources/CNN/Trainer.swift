import Foundation

/// Mini-batch training with seeded shuffling, validation after each epoch, progress reports and
/// interruption at batch boundaries.
public final class Trainer {
    public let network: Network
    public let optimizer: any Optimizer
    public private(set) var state: TrainingState
    public let training: LabeledImages
    public let validation: LabeledImages?
    /// Images mixed into every batch besides `training`, each set a fixed share of the batch.
    public let mixedIn: [MixedIn]
    public let inputScale: Float

    /// Called at most every `progressInterval` seconds during an epoch.
    public var onProgress: ((Progress) -> Void)?
    public var progressInterval = 0.1
    /// Called after each epoch's validation.
    public var onEpoch: ((EpochReport) throws -> Void)?
    /// Checked after every batch; when it returns true, `run` returns `.interrupted` with the
    /// state saved so far.
    public var shouldStop: () -> Bool = { false }

    public struct Progress {
        public var epoch: Int
        public var imagesDone: Int
        public var imagesTotal: Int
        public var imagesPerSecond: Double
        public var secondsLeftInEpoch: Double
        public var runningLoss: Double
        public var runningAccuracy: Double
    }

    public struct EpochReport: Codable, Equatable, Sendable {
        public var epoch: Int
        public var trainLoss: Double
        public var trainAccuracy: Double
        public var validationLoss: Double?
        public var validationAccuracy: Double?
        public var learningRate: Double
        public var seconds: Double
        public var imagesPerSecond: Double

        public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, validationLoss: Double?, validationAccuracy: Double?,
                    learningRate: Double, seconds: Double, imagesPerSecond: Double) {
            self.epoch = epoch
            self.trainLoss = trainLoss
            self.trainAccuracy = trainAccuracy
            self.validationLoss = validationLoss
            self.validationAccuracy = validationAccuracy
            self.learningRate = learningRate
            self.seconds = seconds
            self.imagesPerSecond = imagesPerSecond
        }
    }

    public enum Outcome { case finished, interrupted }

    /// A set of images drawn into every batch: `share` of each batch comes from it, in a fresh
    /// seeded order each time the set has been gone through (an epoch is one pass over
    /// `training`, so a small set is seen many times an epoch).
    public struct MixedIn: Sendable {
        public var images: SetLabelledImages
        public var share: Float

        public init(images: SetLabelledImages, share: Float) {
            self.images = images
            self.share = share
        }
    }

    /// `checkpointTensors` are a saved run's `checkpointTensors`, to continue it.
    public init(network: Network, state: TrainingState, training: LabeledImages, validation: LabeledImages?,
                mixedIn: [MixedIn] = [], inputScale: Float, checkpointTensors: [String: Tensor] = [:]) throws {
        let configuration = state.configuration
        precondition(configuration.batchSize > 0 && configuration.threads > 0 && configuration.epochs >= 0)
        // The layers read `height × width` pixels per image: images of another size would be read past their end.
        let input = network.architecture.inputShape
        let sizes = ([training] + (validation.map { [$0] } ?? [])).map { ($0.height, $0.width) } + mixedIn.map { ($0.images.height, $0.images.width) }
        for (height, width) in sizes where input != [1, height, width] {
            throw ImageSizeError("the images are \(height)×\(width); the \(network.architecture.name) network takes \(input[1])×\(input[2])"
                                 + (input[0] == 1 ? "" : " with \(input[0]) channels"))
        }
        precondition(mixedIn.allSatisfy { $0.images.count > 0 && $0.share > 0 } && mixedIn.map(\.share).reduce(0, +) < 1)
        if let averaging = configuration.averaging {
            precondition((1...max(configuration.epochs, 1)).contains(averaging.startEpoch) && averaging.learningRate > 0)
        }
        self.network = network
        self.state = state
        self.training = training
        self.validation = validation
        self.mixedIn = mixedIn
        mixedInPerBatch = mixedIn.map { max(1, Int(($0.share * Float(configuration.batchSize)).rounded())) }
        trainingPerBatch = configuration.batchSize - mixedInPerBatch.reduce(0, +)
        precondition(trainingPerBatch >= 1, "the mixed-in shares leave no room for the training images")
        self.inputScale = inputScale
        optimizer = configuration.optimizer.make(momentum: configuration.momentum, weightDecay: configuration.weightDecay)
        optimizer.stepCount = state.step
        if !checkpointTensors.isEmpty {
            try optimizer.restore(checkpointTensors, parameters: network.parameters)
        }
        if let averaging = configuration.averaging, state.epoch >= averaging.startEpoch {
            for p in network.parameters {
                let name = Self.averageName(p)
                guard let saved = checkpointTensors[name], saved.shape == p.value.shape else {
                    throw CheckpointError("the checkpoint has no weight average \(name) of shape \(p.value.shape)")
                }
                averages[name] = saved
            }
        }
    }

    /// Images of each mixed-in set in every batch, and of `training` in all but the last.
    public let mixedInPerBatch: [Int]
    public let trainingPerBatch: Int

    public var batchesPerEpoch: Int { (training.count + trainingPerBatch - 1) / trainingPerBatch }
    /// Images in one epoch, the mixed-in ones included.
    public var imagesPerEpoch: Int { training.count + batchesPerEpoch * mixedInPerBatch.reduce(0, +) }
    public var totalSteps: Int { batchesPerEpoch * state.configuration.epochs }

    /// What a checkpoint needs besides the weights and the state: the optimizer's state and the
    /// weight averages so far.
    public var checkpointTensors: [String: Tensor] {
        optimizer.stateTensors(for: network.parameters).merging(averages) { optimizerTensor, _ in optimizerTensor }
    }

    public func learningRate(atStep step: Int) -> Float {
        let c = state.configuration
        if let averaging = c.averaging {
            return averaging.rate(base: c.learningRate, schedule: c.schedule, step: step, stepsPerEpoch: batchesPerEpoch)
        }
        return c.schedule.rate(base: c.learningRate, step: step, stepsPerEpoch: batchesPerEpoch, totalSteps: totalSteps)
    }

    /// The order of the training images in `epoch`.
    public func order(forEpoch epoch: Int) -> [Int] {
        var random = RandomSource(seed: state.configuration.seed, stream: RandomStream.shuffle.rawValue, index: UInt64(epoch))
        return Self.shuffled(count: training.count, &random)
    }

    /// `0..<count` shuffled by Fisher–Yates with our own generator: Swift's shuffle(using:) may
    /// change between versions.
    private static func shuffled(count: Int, _ random: inout RandomSource) -> [Int] {
        var indices = Array(0..<count)
        for i in stride(from: indices.count - 1, to: 0, by: -1) {
            indices.swapAt(i, Int(random.next() % UInt64(i + 1)))
        }
        return indices
    }

    public func run() throws -> Outcome {
        let c = state.configuration
        let input = Tensor()
        var labels: [LabelSet] = []
        let loss = SoftmaxCrossEntropy(smoothing: c.labelSmoothing ?? 0)
        while state.epoch < c.epochs {
            let order = order(forEpoch: state.epoch)
            let epochStart = Date()
            var lastReport = Date.distantPast
            let secondsBefore = state.seconds
            let seenAtStart = state.seen
            while state.batch < batchesPerEpoch {
                fillBatch(input, labels: &labels, order: order, batch: state.batch)
                let context = RunContext(training: true, threads: c.threads, randomSeed: batchSeed(epoch: state.epoch, batch: state.batch))
                let logits = network.forward(input, context: context)
                let result = labels.withUnsafeBufferPointer { loss.evaluate(logits: logits, targets: $0) }
                network.backward(loss.gradient, context: context)
                optimizer.step(network.parameters, learningRate: learningRate(atStep: state.step), threads: c.threads)
                state.step += 1
                state.batch += 1
                state.lossSum += result.lossSum
                state.correct += result.correct
                state.seen += labels.count
                let elapsed = Date().timeIntervalSince(epochStart)
                state.seconds = secondsBefore + elapsed
                if let onProgress, Date().timeIntervalSince(lastReport) >= progressInterval {
                    lastReport = Date()
                    let rate = Double(state.seen - seenAtStart) / max(elapsed, 1e-9)
                    onProgress(Progress(epoch: state.epoch, imagesDone: state.seen, imagesTotal: imagesPerEpoch,
                                        imagesPerSecond: rate, secondsLeftInEpoch: Double(imagesPerEpoch - state.seen) / max(rate, 1e-9),
                                        runningLoss: state.lossSum / Double(state.seen),
                                        runningAccuracy: Double(state.correct) / Double(state.seen)))
                }
                if state.batch < batchesPerEpoch && shouldStop() { return .interrupted }
            }
            let trainSeconds = Date().timeIntervalSince(epochStart)
            let measured = validation.map { network.measure($0, scale: inputScale, threads: c.threads) }
            state.seconds = secondsBefore + Date().timeIntervalSince(epochStart)
            let report = EpochReport(
                epoch: state.epoch + 1,
                trainLoss: state.lossSum / Double(max(state.seen, 1)),
                trainAccuracy: Double(state.correct) / Double(max(state.seen, 1)),
                validationLoss: measured?.loss, validationAccuracy: measured?.accuracy,
                learningRate: Double(learningRate(atStep: max(state.step - 1, 0))),
                seconds: state.seconds - secondsBefore,
                imagesPerSecond: Double(state.seen - seenAtStart) / max(trainSeconds, 1e-9))
            state.history = (state.history ?? []) + [report]
            state.epoch += 1
            state.batch = 0
            state.lossSum = 0
            state.correct = 0
            state.seen = 0
            if let averaging = c.averaging, state.epoch >= averaging.startEpoch {
                addToAverages(snapshot: state.epoch - averaging.startEpoch)
            }
            try onEpoch?(report)
            if state.epoch < c.epochs && shouldStop() { return .interrupted }
        }
        if c.averaging != nil {
            for p in network.parameters { p.value.copy(from: averages[Self.averageName(p)]!) }
            measureBatchStatistics()
        }
        return .finished
    }

    private let augmentationScratch = Tensor()

    /// Loads batch `batch` of epoch `state.epoch`: its share of `order`, then each mixed-in set's
    /// share, augmented as in that epoch.
    private func fillBatch(_ input: Tensor, labels: inout [LabelSet], order: [Int], batch: Int) {
        let c = state.configuration
        let start = batch * trainingPerBatch
        let mainIndices = order[start ..< min(start + trainingPerBatch, order.count)]
        let size = training.imageSize
        input.resize(to: [mainIndices.count + mixedInPerBatch.reduce(0, +), 1, training.height, training.width])
        labels.removeAll(keepingCapacity: true)
        var row = 0
        func load(_ pixels: [UInt8], _ index: Int, _ right: LabelSet) {
            let target = input.data + row * size
            pixels.withUnsafeBufferPointer { source in
                for p in 0..<size { target[p] = Float(source[index * size + p]) * inputScale }
            }
            labels.append(right)
            row += 1
        }
        for i in mainIndices { load(training.pixels, i, LabelSet(label: Int(training.labels[i]))) }
        let globalBatch = state.epoch * batchesPerEpoch + batch
        for (set, (mixed, perBatch)) in zip(mixedIn, mixedInPerBatch).enumerated() {
            for draw in globalBatch * perBatch ..< (globalBatch + 1) * perBatch {
                let index = mixedInOrder(set: set, round: draw / mixed.images.count)[draw % mixed.images.count]
                load(mixed.images.pixels, index, mixed.images.sets[index])
            }
        }
        if let augmentation = c.augmentation, !augmentation.isIdentity {
            augmentation.apply(toBatch: input, seed: c.seed, epoch: state.epoch, firstPosition: batch * c.batchSize,
                               threads: c.threads, scratch: augmentationScratch)
        }
    }

    /// The order of mixed-in set `set` the `round`-th time through it (the last one kept).
    private func mixedInOrder(set: Int, round: Int) -> [Int] {
        if let cached = mixedInOrders[set], cached.round == round { return cached.order }
        var random = RandomSource(seed: state.configuration.seed, stream: RandomStream.mixedIn.rawValue, index: UInt64(set) << 40 | UInt64(round))
        let order = Self.shuffled(count: mixedIn[set].images.count, &random)
        mixedInOrders[set] = (round, order)
        return order
    }

    private var mixedInOrders: [Int: (round: Int, order: [Int])] = [:]

    // MARK: weight averaging

    private var averages: [String: Tensor] = [:]

    private static func averageName(_ parameter: Parameter) -> String { "average.\(parameter.name)" }

    /// Folds the current weights into the averages as the `snapshot`-th (from 0) of them.
    private func addToAverages(snapshot: Int) {
        let weight = 1 / Float(snapshot + 1)
        for p in network.parameters {
            let name = Self.averageName(p)
            guard snapshot > 0, let average = averages[name] else {
                let first = Tensor(shape: p.value.shape)
                first.copy(from: p.value)
                averages[name] = first
                continue
            }
            let a = average.data, w = p.value.data
            Parallel.elementwise(p.value.count, threads: state.configuration.threads) { range in
                for i in range { a[i] += weight * (w[i] - a[i]) }
            }
        }
    }

    /// Sets batch normalisation's running statistics to their mean over one pass of training
    /// batches (augmented as in training, in a fresh order), with the current weights.
    private func measureBatchStatistics() {
        guard network.hasBatchNormalisation else { return }
        let c = state.configuration
        let input = Tensor()
        var labels: [LabelSet] = []
        let order = order(forEpoch: state.epoch)
        for k in 0..<batchesPerEpoch {
            fillBatch(input, labels: &labels, order: order, batch: k)
            let context = RunContext(training: true, threads: c.threads, randomSeed: batchSeed(epoch: state.epoch, batch: k),
                                     statisticsWeight: 1 / Float(k + 1))
            _ = network.forward(input, context: context)
        }
    }

    private func batchSeed(epoch: Int, batch: Int) -> UInt64 {
        var random = RandomSource(seed: state.configuration.seed, stream: RandomStream.dropout.rawValue,
                                  index: UInt64(epoch) << 32 | UInt64(batch))
        return random.next()
    }
}

/// Images whose size is not what the network takes.
public struct ImageSizeError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

