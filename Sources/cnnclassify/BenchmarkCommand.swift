import ArgumentParser
import CNN
import Classifier
import Datasets
import Foundation
import Imaging

struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract: "Measure training and inference speed on this machine.",
        discussion: """
            Prints the median of --repeats timed runs of each figure: sgemm (GFLOP/s of \
            a 1024×1024 matrix product on the threads); basic training (images/s, batch \
            64 by default, Adam); fashion training (the shipped network, batch 128, SGD, \
            \(fashionTrainingImages) images, with its share of what sgemm's rate, measured \
            again before each run, would allow); a seed epoch (5,000 per-sample SGD steps); \
            basic inference (batches of 256); classifying a folder of \(folderImages) \
            28×28 PNGs and the real photos below --photos (images/s of `cnnclassify \
            --format tsv DIR` from start to exit, its results to /dev/null); and the \
            milliseconds from starting `cnnclassify IMAGE` to its exit for a 28×28 PNG and \
            a 12-megapixel JPEG.

            The classify figures use the shipped model and files written to a temporary \
            folder. Run from the repository with PyTorch installed (pip install torch numpy \
            pillow), the fashion training and folder lines are followed by PyTorch's figure \
            for the same work, measured right after (benchmarks/pytorch_reference.py; the \
            folder's is the median of --repeats runs of the script, each a process of its \
            own). The \
            Fashion-MNIST training images are used when installed, otherwise synthetic ones \
            (the speed does not depend on the pixels).

            Build with -c release for meaningful figures:
              swift build -c release && .build/release/cnnclassify benchmark
            """
    )

    @OptionGroup var threading: ThreadOptions
    @Option(help: "Batch size for basic training.") var batchSize: Int = 64
    @Option(help: "Images per timed basic-training run.") var images: Int = 12_800
    @Option(help: "Timed runs of each measurement.") var repeats: Int = 3
    @Option(help: "What to measure: all, training or classify.") var only: Section = .all
    @Option(help: ArgumentHelp("Real photos (PNG or JPEG, in any folders below it) for the real-photo line.", valueName: "directory"))
    var photos = "../shared/real-photos/clothing-dataset-small/train"
    @OptionGroup var fashionMNIST: DataOptions

    enum Section: String, ExpressibleByArgument, CaseIterable { case all, training, classify }

    /// 50 batches of 128: long enough to time, short enough to repeat.
    static let fashionTrainingImages = 6_400
    static let folderImages = 10_000

    func validate() throws {
        if batchSize <= 0 || images <= 0 || repeats <= 0 {
            throw ValidationError("--batch-size, --images and --repeats must be positive")
        }
    }

    func run() throws {
        let pool = try benchmarkImages(count: max(images, Self.folderImages))
        print("cnnclassify benchmark: \(threading.threads) threads, median of \(repeats) runs, \(pool.source)")
        if only != .classify { try measureTraining(pool.images) }
        if only != .training { try measureClassify(pool.images) }
    }

    private func measureTraining(_ pool: LabeledImages) throws {
        let sgemm = BLAS.measuredRate(threads: threading.threads, repeats: max(repeats, 5))
        print("sgemm 1024³:                 \(fixed(sgemm, 1)) GFLOP/s")

        let basicRates = try (0..<repeats).map { run in
            let trainer = try makeTrainer(.basic, images: pool.subset(0..<images), batchSize: batchSize, optimizer: .adam,
                                          learningRate: 0.001, seed: UInt64(run + 1))
            return Double(images) / (try SpeedMeasurement.seconds { _ = try trainer.run() })
        }
        print("basic training (batch \(batchSize)):  \(grouped(Int(SpeedMeasurement.median(basicRates)))) images/s")

        // Forward, the input's gradient and the weights' gradient: three products per layer.
        // sgemm is measured again right before each run, so that each run's share compares two
        // figures taken side by side on a machine whose speed drifts.
        let trainingFLOP = 3 * 2 * Double(try Network(.fashion).multiplyAdds)
        let fashionImages = Self.fashionTrainingImages
        let fashionRuns = try (0..<repeats).map { run in
            let trainer = try makeTrainer(.fashion, images: pool.subset(0..<fashionImages), batchSize: 128, optimizer: .sgd,
                                          learningRate: 0.05, seed: UInt64(run + 1))
            let ceiling = BLAS.measuredRate(threads: threading.threads, repeats: 5) * 1e9 / trainingFLOP
            let rate = Double(fashionImages) / (try SpeedMeasurement.seconds { _ = try trainer.run() })
            return (rate: rate, ceiling: ceiling)
        }
        let fashionRate = SpeedMeasurement.median(fashionRuns.map(\.rate))
        let share = SpeedMeasurement.median(fashionRuns.map { $0.rate / $0.ceiling })
        let ceiling = SpeedMeasurement.median(fashionRuns.map(\.ceiling))
        print("fashion training (batch 128): \(grouped(Int(fashionRate))) images/s, "
              + "\(Int((100 * share).rounded()))% of what sgemm alone would give (\(grouped(Int(ceiling))) images/s)")
        if let reference = pytorchReference(["--arch", "fashion"]) {
            let rate = reference.rate.map { ", cnnclassify \(fixed(fashionRate / $0, 2))×" } ?? ""
            print("  \(reference.line)\(rate)")
        }

        let seedSeconds = try (0..<repeats).map { run in
            let trainer = try makeTrainer(.seed, images: pool.subset(0..<5000), batchSize: 1, optimizer: .sgd,
                                          learningRate: 0.01, seed: UInt64(run + 1))
            return try SpeedMeasurement.seconds { _ = try trainer.run() }
        }
        print("seed epoch (5,000 steps):    \(fixed(SpeedMeasurement.median(seedSeconds), 3)) s")

        let network = try Network(.basic)
        network.initialize(seed: 1)
        let inferenceImages = pool.subset(0..<5000)
        let inferenceRates = (0..<repeats).map { _ in
            Double(inferenceImages.count) / SpeedMeasurement.seconds { _ = network.measure(inferenceImages, scale: InputConvention.fashionMNIST.scale, threads: threading.threads) }
        }
        print("basic inference (batch 256): \(grouped(Int(SpeedMeasurement.median(inferenceRates)))) images/s")
    }

    private func measureClassify(_ images: LabeledImages) throws {
        let modelPath = try ModelLocator.resolve(nil)
        // A model that cannot be used is told here, in its own words, not as a failed run.
        _ = try loadModel(modelPath)
        let folder = NSTemporaryDirectory() + "cnnclassify-benchmark-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try SpeedMeasurement.writePNGs(images, count: Self.folderImages, to: folder + "/pngs")
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        /// Images per second of `cnnclassify --format tsv DIRECTORY`, start to exit: the walk,
        /// reading, decoding, the model's loading and the results' writing included.
        func classifyRate(_ directory: String) throws -> (images: Int, rate: Double) {
            let count = InputList.expand([directory]) { _, _ in }.count
            let arguments = ["--model", modelPath, "--threads", String(threading.threads), "--format", "tsv", directory]
            let milliseconds = try SpeedMeasurement.startToExit(executable, arguments, repeats: repeats)
            return (count, Double(count) / (milliseconds / 1000))
        }
        let folderRate = try classifyRate(folder + "/pngs").rate
        print("classify folder (\(grouped(Self.folderImages)) PNGs): \(grouped(Int(folderRate))) images/s")
        if let reference = pytorchReference(["--classify", folder + "/pngs"], processes: repeats) {
            print("  \(reference.line)\(reference.rate.map { ", cnnclassify \(fixed(folderRate / $0, 2))×" } ?? "")")
        }
        if FileManager.default.fileExists(atPath: photos) {
            let real = try classifyRate(photos)
            print("classify real photos (\(grouped(real.images)) in \(photos)): \(grouped(Int(real.rate))) images/s")
        } else {
            print("classify real photos: skipped, \(photos) is not there (--photos DIR)")
        }

        func startToExit(_ file: String) throws -> Double {
            try SpeedMeasurement.startToExit(executable, ["--model", modelPath, file], repeats: max(repeats, 5))
        }
        print("one 28×28 PNG, start to exit: \(fixed(try startToExit(folder + "/pngs/00000.png"), 1)) ms")
        try AtomicFile.write(try SpeedMeasurement.productShotJPEG(images), to: folder + "/photo.jpg")
        print("one 12 MP JPEG, start to exit: \(fixed(try startToExit(folder + "/photo.jpg"), 1)) ms")
    }
}
