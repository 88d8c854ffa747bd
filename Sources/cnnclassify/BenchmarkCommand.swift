import ArgumentParser
import CNN
import Classifier
import Datasets
import Foundation
import Imaging

struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training and inference speed on this machine.",
        discussion: """
            Prints the median of --repeats timed runs of each of:
              sgemm 1024³      GFLOP/s of one 1024×1024 matrix product split over the threads
              basic training   images/s training the basic network (batch 64 by default; Adam)
              fashion training images/s training the shipped network (batch 128; SGD), 6,400 images,
                               and its share of what sgemm's rate would give for its products
              seed epoch       seconds for one epoch of the seed network: 5,000 per-sample SGD steps
              inference        images/s of the basic network's forward pass in batches of 256
              classify folder  images/s classifying a folder of 10,000 28×28 PNGs, reading included
              real photos      images/s classifying the photos below --photos (segmentation included)
              one image        ms from starting `cnnclassify IMAGE` to its exit, for a 28×28 PNG
              12 MP JPEG       the same for a 4000×3000 photo-like JPEG
            The classify figures use the shipped model and files written to a temporary folder.
            When run from the repository with PyTorch installed (pip install torch numpy pillow),
            the fashion training and classify folder lines are followed by PyTorch's figure for the
            same work, measured right after (benchmarks/pytorch_reference.py).
            Uses the Fashion-MNIST training images when installed, otherwise synthetic images (the
            speed does not depend on the pixels). Build with -c release for meaningful figures:
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

    func validate() throws {
        if batchSize <= 0 || images <= 0 || repeats <= 0 {
            throw ValidationError("--batch-size, --images and --repeats must be positive")
        }
    }

    func run() throws {
        let pool = try benchmarkImages(count: max(images, 10_000))
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
            return Double(images) / (try time { _ = try trainer.run() })
        }
        print("basic training (batch \(batchSize)):  \(grouped(Int(median(basicRates)))) images/s")

        let fashionImages = 6_400
        let fashionRates = try (0..<repeats).map { run in
            let trainer = try makeTrainer(.fashion, images: pool.subset(0..<fashionImages), batchSize: 128, optimizer: .sgd,
                                          learningRate: 0.05, seed: UInt64(run + 1))
            return Double(fashionImages) / (try time { _ = try trainer.run() })
        }
        // Forward, the input's gradient and the weights' gradient: three products per layer.
        let trainingFLOP = 3 * 2 * Double(try Network(.fashion).multiplyAdds)
        let ceiling = sgemm * 1e9 / trainingFLOP
        print("fashion training (batch 128): \(grouped(Int(median(fashionRates)))) images/s, "
              + "\(Int((100 * median(fashionRates) / ceiling).rounded()))% of the \(grouped(Int(ceiling))) images/s that sgemm alone would give")
        if let reference = pytorchReference(["--arch", "fashion"]) {
            let rate = reference.rate.map { ", cnnclassify \(fixed(median(fashionRates) / $0, 2))×" } ?? ""
            print("  \(reference.line)\(rate)")
        }

        let seedSeconds = try (0..<repeats).map { run in
            let trainer = try makeTrainer(.seed, images: pool.subset(0..<5000), batchSize: 1, optimizer: .sgd,
                                          learningRate: 0.01, seed: UInt64(run + 1))
            return try time { _ = try trainer.run() }
        }
        print("seed epoch (5,000 steps):    \(fixed(median(seedSeconds), 3)) s")

        let network = try Network(.basic)
        network.initialize(seed: 1)
        let inferenceImages = pool.subset(0..<5000)
        let inferenceRates = (0..<repeats).map { _ in
            Double(inferenceImages.count) / time { _ = network.measure(inferenceImages, scale: 1.0 / 255, threads: threading.threads) }
        }
        print("basic inference (batch 256): \(grouped(Int(median(inferenceRates)))) images/s")
    }

    private func measureClassify(_ images: LabeledImages) throws {
        let modelPath = try ModelLocator.resolve(nil)
        let model = try loadModel(modelPath)
        let folder = NSTemporaryDirectory() + "cnnclassify-benchmark-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/pngs", withIntermediateDirectories: true)
        for i in 0..<10_000 {
            let png = try ImageEncoder.grayPNG(Array(images.pixels[i * 784 ..< (i + 1) * 784]), width: 28, height: 28)
            try AtomicFile.write(png, to: String(format: "%@/pngs/%05d.png", folder, i))
        }
        let network = try model.network.foldingBatchNormalisation()
        /// Images per second classifying every image below `directory`, reading and decoding included.
        func classifyRate(_ directory: String) -> (images: Int, rate: Double) {
            let inputs = InputList.expand([directory]) { _, _ in }
            let rates = (0..<repeats).map { _ in
                let pipeline = ClassificationPipeline(network: network, header: model.header)
                pipeline.threads = threading.threads
                var classified = 0
                let seconds = time {
                    pipeline.run(inputs) { _, outcome in if case .classified = outcome { classified += 1 } }
                }
                return Double(classified) / seconds
            }
            return (inputs.count, median(rates))
        }
        let folderRate = classifyRate(folder + "/pngs").rate
        print("classify folder (10,000 PNGs): \(grouped(Int(folderRate))) images/s")
        if let reference = pytorchReference(["--classify", folder + "/pngs"]) {
            print("  \(reference.line)\(reference.rate.map { ", cnnclassify \(fixed(folderRate / $0, 2))×" } ?? "")")
        }
        if FileManager.default.fileExists(atPath: photos) {
            let real = classifyRate(photos)
            print("classify real photos (\(grouped(real.images)) in \(photos)): \(grouped(Int(real.rate))) images/s")
        } else {
            print("classify real photos: skipped, \(photos) is not there (--photos DIR)")
        }

        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        // posix_spawn and waitpid rather than Foundation's Process, whose exit notification adds
        // tens of milliseconds of its own.
        func startToExit(_ file: String) throws -> Double {
            let arguments = [executable, "--model", modelPath, file]
            let runs = try (0..<max(repeats, 5)).map { _ in
                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                defer { posix_spawn_file_actions_destroy(&actions) }
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
                var argv = arguments.map { strdup($0) } + [nil]
                defer { argv.forEach { free($0) } }
                var pid = pid_t()
                let start = DispatchTime.now().uptimeNanoseconds
                guard posix_spawn(&pid, executable, &actions, nil, &argv, environ) == 0 else {
                    throw CommandFailure(message: "cannot start \(executable)")
                }
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            }
            return median(runs)
        }
        print("one 28×28 PNG, start to exit: \(fixed(try startToExit(folder + "/pngs/00000.png"), 1)) ms")
        // A 12-megapixel product shot: a t10k image drawn dark on white, upscaled 100×, in colour.
        let (width, height) = (4000, 3000)
        var photo = [UInt8](repeating: 255, count: width * height * 3)
        for y in 0..<2800 {
            for x in 0..<2800 {
                let value = 255 - images.pixels[(y / 100) * 28 + x / 100]
                let offset = ((y + 100) * width + x + 600) * 3
                photo[offset] = value
                photo[offset + 1] = value
                photo[offset + 2] = UInt8(Int(value) * 9 / 10)
            }
        }
        let jpeg = try ImageEncoder.jpeg(photo, width: width, height: height, channels: 3)
        try AtomicFile.write(jpeg, to: folder + "/photo.jpg")
        print("one 12 MP JPEG, start to exit: \(fixed(try startToExit(folder + "/photo.jpg"), 1)) ms")
    }

    /// The figure line of `benchmarks/pytorch_reference.py` run with `arguments` (the same
    /// network, batch and optimizer in PyTorch), and its images/s; nil when the script or torch is
    /// not there.
    private func pytorchReference(_ arguments: [String]) -> (line: String, rate: Double?)? {
        let script = "benchmarks/pytorch_reference.py"
        guard FileManager.default.fileExists(atPath: script) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments + ["--threads", "\(threading.threads)", "--repeats", "\(repeats)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = text.split(separator: "\n").map(String.init)
        guard process.terminationStatus == 0, lines.count == 2 else { return nil }
        let version = lines[0].split(separator: ":").first.map(String.init) ?? "pytorch"
        let rate = lines[1].split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0.replacingOccurrences(of: ",", with: "")) }
        return ("\(version), the same: \(lines[1].split(separator: ":").last!.trimmingCharacters(in: .whitespaces))", rate)
    }

    private func makeTrainer(_ architecture: Architecture, images: LabeledImages, batchSize: Int, optimizer: OptimizerKind,
                             learningRate: Float, seed: UInt64) throws -> Trainer {
        let network = try Network(architecture)
        network.initialize(seed: seed)
        let configuration = TrainingConfiguration(epochs: 1, batchSize: batchSize, optimizer: optimizer, learningRate: learningRate,
                                                  seed: seed, threads: threading.threads)
        return try Trainer(network: network, state: TrainingState(configuration: configuration, command: "benchmark"),
                           training: images, validation: nil, inputScale: 1.0 / 255)
    }

    private func benchmarkImages(count: Int) throws -> (images: LabeledImages, source: String) {
        let directory = fashionMNIST.data ?? FashionMNIST.defaultDirectory
        if FashionMNIST.path(FashionMNIST.Split.train.imagesFile, in: directory) != nil {
            let train = try loadSplit(.train, directory)
            let all = train.labeledImages
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
