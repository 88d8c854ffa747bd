import ArgumentParser
import CNN
import Datasets
import Foundation

struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training and inference speed on this machine.",
        discussion: """
            Prints the median of --repeats timed runs of each of:
              basic training   images/s training the basic network (batch 64 by default; Adam)
              seed epoch       seconds for one epoch of the seed network: 5,000 per-sample SGD steps
              inference        images/s of the basic network's forward pass in batches of 256
            Uses the Fashion-MNIST training images when installed, otherwise synthetic images (the
            speed does not depend on the pixels). Build with -c release for meaningful figures:
              swift build -c release && .build/release/cnnclassify benchmark
            """
    )

    @Option(help: "Threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Batch size for basic training.") var batchSize: Int = 64
    @Option(help: "Images per timed basic-training run.") var images: Int = 12_800
    @Option(help: "Timed runs of each measurement.") var repeats: Int = 3
    @Option(help: ArgumentHelp("Directory with the Fashion-MNIST IDX files.",
                               discussion: "Default: $FASHION_MNIST_DIR, else \(FashionMNIST.systemDirectory)."))
    var data: String?

    func validate() throws {
        if threads <= 0 || batchSize <= 0 || images <= 0 || repeats <= 0 {
            throw ValidationError("--threads, --batch-size, --images and --repeats must be positive")
        }
    }

    func run() throws {
        let pool = try benchmarkImages(count: max(images, 5000))
        print("cnnclassify benchmark: \(threads) threads, median of \(repeats) runs, \(pool.source)")

        let basicRates = try (0..<repeats).map { run in
            let trainer = try makeTrainer(.basic, images: pool.images.subset(0..<images), batchSize: batchSize, optimizer: .adam,
                                          learningRate: 0.001, seed: UInt64(run + 1))
            return Double(images) / (try time { _ = try trainer.run() })
        }
        print("basic training (batch \(batchSize)):  \(grouped(Int(median(basicRates)))) images/s")

        let seedSeconds = try (0..<repeats).map { run in
            let trainer = try makeTrainer(.seed, images: pool.images.subset(0..<5000), batchSize: 1, optimizer: .sgd,
                                          learningRate: 0.01, seed: UInt64(run + 1))
            return try time { _ = try trainer.run() }
        }
        print("seed epoch (5,000 steps):    \(fixed(median(seedSeconds), 3)) s")

        let network = try Network(.basic)
        network.initialize(seed: 1)
        let inferenceImages = pool.images.subset(0..<5000)
        let inferenceRates = (0..<repeats).map { _ in
            Double(inferenceImages.count) / time { _ = network.measure(inferenceImages, scale: 1.0 / 255, threads: threads) }
        }
        print("basic inference (batch 256): \(grouped(Int(median(inferenceRates)))) images/s")
    }

    private func makeTrainer(_ architecture: Architecture, images: LabeledImages, batchSize: Int, optimizer: OptimizerKind,
                             learningRate: Float, seed: UInt64) throws -> Trainer {
        let network = try Network(architecture)
        network.initialize(seed: seed)
        let configuration = TrainingConfiguration(epochs: 1, batchSize: batchSize, optimizer: optimizer, learningRate: learningRate,
                                                  seed: seed, threads: threads)
        return try Trainer(network: network, state: TrainingState(configuration: configuration, command: "benchmark"),
                           training: images, validation: nil, inputScale: 1.0 / 255)
    }

    private func benchmarkImages(count: Int) throws -> (images: LabeledImages, source: String) {
        let directory = data ?? FashionMNIST.defaultDirectory
        if FashionMNIST.path(FashionMNIST.Split.train.imagesFile, in: directory) != nil {
            let train = try loadSplit(.train, directory)
            let all = LabeledImages(pixels: train.images.pixels, labels: train.labels.values, height: 28, width: 28)
            return (all.subset((0..<min(count, all.count)).map { $0 }), "Fashion-MNIST training images")
        }
        var random = RandomSource(seed: 1)
        let pixels = (0..<count * 784).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let labels = (0..<count).map { UInt8($0 % 10) }
        return (LabeledImages(pixels: pixels, labels: labels, height: 28, width: 28), "synthetic images")
    }
}

private func time(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
