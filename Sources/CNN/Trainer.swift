import Foundation

/// Mini-batch training with seeded shuffling, validation after each epoch, progress reports and
/// interruption at batch boundaries.
public final class Trainer {
    public let network: Network
    public let optimizer: any Optimizer
    public private(set) var state: TrainingState
    public let training: LabeledImages
    public let validation: LabeledImages?
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

    /// `checkpointTensors` are a saved run's `checkpointTensors`, to continue it.
    public init(network: Network, state: TrainingState, training: LabeledImages, validation: LabeledImages?,
                inputScale: Float, checkpointTensors: [String: Tensor] = [:]) throws {
        let configuration = state.configuration
        precondition(configuration.batchSize > 0 && configuration.threads > 0 && configuration.epochs >= 0)
        // The layers read `height × width` pixels per image: images of another size would be read past their end.
        let input = network.architecture.inputShape
        for images in [training] + (validation.map { [$0] } ?? []) where input != [1, images.height, images.width] {
            throw ImageSizeError("the images are \(images.height)×\(images.width); the \(network.architecture.name) network takes \(input[1])×\(input[2])"
                                 + (input[0] == 1 ? "" : " with \(input[0]) channels"))
        }
        if let averaging = configuration.averaging {
            precondition((1...max(configuration.epochs, 1)).contains(averaging.startEpoch) && averaging.learningRate > 0)
        }
        self.network = network
        self.state = state
        self.training = training
        self.validation = validation
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

    public var batchesPerEpoch: Int { (training.count + state.configuration.batchSize - 1) / state.configuration.batchSize }
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
        var indices = Array(0..<training.count)
        // Fisher–Yates with our own generator: Swift's shuffle(using:) may change between versions.
        for i in stride(from: indices.count - 1, to: 0, by: -1) {
            indices.swapAt(i, Int(random.next() % UInt64(i + 1)))
        }
        return indices
    }

    public func run() throws -> Outcome {
        let c = state.configuration
        let input = Tensor()
        var labels: [Int32] = []
        let loss = SoftmaxCrossEntropy(smoothing: c.labelSmoothing ?? 0)
        while state.epoch < c.epochs {
            let order = order(forEpoch: state.epoch)
            let epochStart = Date()
            var lastReport = Date.distantPast
            let secondsBefore = state.seconds
            let seenAtStart = state.seen
            while state.batch < batchesPerEpoch {
                let start = state.batch * c.batchSize
                fillBatch(input, labels: &labels, order: order, start: start)
                let context = RunContext(training: true, threads: c.threads, randomSeed: batchSeed(epoch: state.epoch, batch: state.batch))
                let logits = network.forward(input, context: context)
                let result = labels.withUnsafeBufferPointer { loss.evaluate(logits: logits, labels: $0) }
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
                    onProgress(Progress(epoch: state.epoch, imagesDone: state.seen, imagesTotal: training.count,
                                        imagesPerSecond: rate, secondsLeftInEpoch: Double(training.count - state.seen) / max(rate, 1e-9),
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

    /// Loads the images at `order[start...]` (a batch's worth, or what is left), augmented as in
    /// epoch `state.epoch`.
    private func fillBatch(_ input: Tensor, labels: inout [Int32], order: [Int], start: Int) {
        let c = state.configuration
        training.fill(input, labels: &labels, indices: order[start ..< min(start + c.batchSize, order.count)], scale: inputScale)
        if let augmentation = c.augmentation, !augmentation.isIdentity {
            augmentation.apply(toBatch: input, seed: c.seed, epoch: state.epoch, firstPosition: start,
                               threads: c.threads, scratch: augmentationScratch)
        }
    }

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
        var labels: [Int32] = []
        let order = order(forEpoch: state.epoch)
        for (k, start) in stride(from: 0, to: order.count, by: c.batchSize).enumerated() {
            fillBatch(input, labels: &labels, order: order, start: start)
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

