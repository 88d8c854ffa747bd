import CNN
import Datasets
import Foundation
import TestSupport
import XCTest

final class CLITests: XCTestCase {
    private static let data: TemporaryDirectory = {
        let directory = TemporaryDirectory()
        try! SyntheticData.writeFashionMNISTLayout(to: directory.path, trainCount: 400, testCount: 100)
        return directory
    }()
    private var work: TemporaryDirectory!

    override func setUp() { work = TemporaryDirectory() }
    override func tearDown() { work = nil }
    override class func tearDown() { data.remove() }

    private func run(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> CommandResult {
        try CNNClassifyBinary.run(arguments, environment: environment, directory: directory)
    }

    /// Trains a small basic network on the synthetic data and returns the model path.
    private func trainSmallModel(extra: [String] = []) throws -> (String, CommandResult) {
        let model = work.file("model.cnnw")
        let result = try run(["train", "--data", Self.data.path, "--epochs", "2", "--limit", "200", "--validation", "100",
                              "--output", model, "--checkpoint-dir", work.file("checkpoints"), "--seed", "3"] + extra)
        return (model, result)
    }

    func testHelpTeachesTheCommands() throws {
        let root = try run(["--help"])
        XCTAssertEqual(root.status, 0)
        for word in ["train", "evaluate", "info", "T-shirt/top", "Ankle boot", "Examples"] {
            XCTAssertTrue(root.stdout.contains(word), "root help lacks \(word)")
        }
        let train = try run(["train", "--help"])
        XCTAssertEqual(train.status, 0)
        for option in ["--arch", "--epochs", "--batch-size", "--optimizer", "--lr", "--schedule", "--seed", "--limit",
                       "--validation", "--output", "--checkpoint-dir", "--resume", "--log", "--threads"] {
            XCTAssertTrue(train.stdout.contains(option), "train help lacks \(option)")
        }
        XCTAssertEqual(try run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
    }

    func testUsageErrorsExitWithStatus2() throws {
        let result = try run(["train", "--arch", "resnet"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("unknown architecture 'resnet'"), result.stderr)
        XCTAssertEqual(try run(["evaluate", "--images", "x"]).status, 2)
        for (arguments, message) in [(["--label-smoothing", "1"], "--label-smoothing must be in [0, 1)"),
                                     (["--augment-tone", "1.5"], "a tone in [0, 1]"),
                                     (["--swa-start", "36"], "--swa-start must be an epoch from 1 to the number of epochs"),
                                     (["--swa-lr", "0.01"], "--swa-lr needs --swa-start")] {
            let bad = try run(["train", "--arch", "fashion"] + arguments)
            XCTAssertEqual(bad.status, 2, "\(arguments)")
            XCTAssertTrue(bad.stderr.contains(message), bad.stderr)
        }
    }

    func testTrainWritesModelLogAndEpochLines() throws {
        let log = work.file("metrics.csv")
        let (model, result) = try trainSmallModel(extra: ["--log", log, "--label-smoothing", "0.1", "--augment-tone", "0.5", "--swa-start", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: model))
        XCTAssertTrue(result.stdout.hasPrefix("wrote \(model)"), result.stdout)
        // Not a terminal: one line per epoch, no progress bar.
        let epochLines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        XCTAssertEqual(epochLines.count, 2, result.stderr)
        XCTAssertTrue(epochLines[1].contains("val loss"))
        XCTAssertFalse(result.stderr.contains("\r"))
        XCTAssertTrue(result.stderr.contains("averaging the weights of epochs 1–2\n"), result.stderr)
        let rows = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.first.map(String.init), "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,learning_rate,seconds,images_per_second")
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows[2].split(separator: ",", omittingEmptySubsequences: false).count, 8)
        // The weight file records how it was made.
        let header = try ModelFile.read(model).header
        XCTAssertEqual(header.training?.configuration.seed, 3)
        XCTAssertEqual(header.training?.trainingImages, 200)
        XCTAssertEqual(header.training?.dataChecksums.count, 4)
        XCTAssertNotNil(header.training?.testAccuracy)
        XCTAssertTrue(header.training?.command.hasPrefix("cnnclassify train --data") ?? false)
        // Calibrated on the validation images after training.
        let calibration = try XCTUnwrap(header.calibration)
        XCTAssertGreaterThan(calibration.temperature, 0)
        XCTAssertNotNil(calibration.maximumEnergy)
        XCTAssertNotNil(calibration.validationErrorAfter)

        // `info` tells the same story.
        let info = try run(["info", model])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("architecture: basic: conv 3×3×32 pad 1 → ReLU"), info.stdout)
        XCTAssertTrue(info.stdout.contains("trained by:   \(header.training!.command)"), info.stdout)
        XCTAssertTrue(info.stdout.contains("recipe:       cosine schedule, label smoothing 0.1, weights averaged over epochs 1–2 at lr 0.0002, augmentation: tone ≤ 0.5\n"), info.stdout)
        XCTAssertTrue(info.stdout.contains("200 training and 100 validation images"), info.stdout)
        XCTAssertTrue(info.stdout.contains(String(format: "temperature %.3f", calibration.temperature)), info.stdout)
        let json = try run(["info", model, "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["parameters"] as? Int, 421_642)
        XCTAssertEqual(((object["header"] as! [String: Any])["architecture"] as! [String: Any])["name"] as? String, "basic")
        XCTAssertEqual(try run(["info", work.file("none.cnnw")]).status, 2)
    }

    func testJSONLogAndEvaluateFormats() throws {
        let (model, training) = try trainSmallModel(extra: ["--log", work.file("metrics.jsonl"), "--report", work.file("report")])
        XCTAssertEqual(training.status, 0, training.stderr)
        let curves = try String(contentsOfFile: work.file("report/training-curves.svg"), encoding: .utf8)
        XCTAssertEqual(curves.components(separatedBy: "<polyline").count - 1, 4, "training and validation, loss and accuracy")
        XCTAssertEqual(try ModelFile.read(model).header.training?.history?.count, 2)
        let records = try String(contentsOfFile: work.file("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(records.count, 2)
        let first = try JSONSerialization.jsonObject(with: Data(records[0].utf8)) as! [String: Any]
        XCTAssertEqual(first["epoch"] as? Int, 1)

        let json = try run(["evaluate", "--model", model, "--data", Self.data.path, "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let metrics = report["metrics"] as! [String: Any]
        XCTAssertEqual(metrics["total"] as? Int, 100)
        let confusion = metrics["confusion"] as! [[Int]]
        XCTAssertEqual(confusion.count, 10)
        XCTAssertEqual(confusion.flatMap { $0 }.reduce(0, +), 100)
        XCTAssertEqual((metrics["classes"] as! [Any]).count, 10)
        let calibration = report["calibration"] as! [String: Any]
        XCTAssertEqual(calibration["images"] as? Int, 100)
        XCTAssertEqual(Float(calibration["temperature"] as! Double), try ModelFile.read(model).header.calibration?.temperature)
        XCTAssertNotNil(calibration["errorBefore"] as? Double)
        XCTAssertNotNil(calibration["errorAfter"] as? Double)

        let pictures = try run(["evaluate", "--model", model, "--data", Self.data.path, "--report", work.file("report")])
        XCTAssertEqual(pictures.status, 0, pictures.stderr)
        for name in ["confusion-matrix.svg", "per-class-accuracy.svg", "mistakes.png", "training-curves.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: work.file("report/\(name)")), name)
        }
        let confusionSVG = try String(contentsOfFile: work.file("report/confusion-matrix.svg"), encoding: .utf8)
        XCTAssertEqual(confusionSVG.components(separatedBy: "<rect").count - 1, 1 + 100 + 10, "background, cells, legend")

        let text = try run(["evaluate", "--model", model, "--data", Self.data.path, "--range", "10..<60"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("accuracy: "), text.stdout)
        XCTAssertTrue(text.stdout.contains("/50)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("confusion matrix"))
        XCTAssertTrue(text.stdout.contains("Ankle boot"))
        XCTAssertTrue(text.stdout.contains("expected calibration error"), text.stdout)
        XCTAssertTrue(text.stdout.contains("low confidence: "), text.stdout)
    }

    func testBadModelFileExitsWith2AndNamesIt() throws {
        let bad = work.file("bad.cnnw")
        XCTAssertTrue(FileManager.default.createFile(atPath: bad, contents: Data("not a model".utf8)))
        let result = try run(["evaluate", "--model", bad, "--data", Self.data.path])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "cnnclassify: \(bad): not a cnnclassify weight file (wrong magic bytes)\n")
    }

    func testMissingDataSetExplainsHowToGetIt() throws {
        let result = try run(["train", "--data", work.file("nowhere"), "--output", work.file("m.cnnw")])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("apt-get install dataset-fashion-mnist"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.file("m.cnnw")))
    }

    /// 10×10 images given to a 28×28 network would be read past their end: refused before training.
    func testTrainingImagesOfAnotherSizeAreRefused() throws {
        let data = work.file("small-images")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try IDXWriter.writeImages([UInt8](repeating: 50, count: 100 * 100), count: 100, rows: 10, columns: 10,
                                  to: data + "/train-images-idx3-ubyte")
        try IDXWriter.writeLabels([UInt8](repeating: 3, count: 100), to: data + "/train-labels-idx1-ubyte")
        let result = try run(["train", "--arch", "basic", "--data", data, "--epochs", "1", "--validation", "10", "--output", work.file("m.cnnw")])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "cnnclassify: \(data)/train-images-idx3-ubyte: the images are 10×10; the basic network takes 28×28\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.file("m.cnnw")))
    }

    /// Where the model cannot go is found before training, not after it.
    func testAnUnwritableOrSpecialOutputIsRefusedBeforeTraining() throws {
        let blocker = work.file("a-file")
        XCTAssertTrue(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        let underFile = try run(["train", "--data", Self.data.path, "--epochs", "1", "--limit", "200", "--validation", "100",
                                 "--output", blocker + "/m.cnnw"])
        XCTAssertEqual(underFile.status, 2)
        XCTAssertEqual(underFile.stderr, "cnnclassify: \(blocker)/m.cnnw: cannot be written (not a directory); nothing trained\n")
        let link = work.file("link.cnnw")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: blocker)
        let (_, throughLink) = try trainSmallModel(extra: ["--output", link])
        XCTAssertEqual(throughLink.status, 2)
        XCTAssertTrue(throughLink.stderr.hasSuffix("\(link): is a symbolic link; only a regular file is replaced; nothing trained\n"), throughLink.stderr)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), blocker, "the link is untouched")
        XCTAssertEqual(try String(contentsOfFile: blocker, encoding: .utf8), "x")
    }

    /// A checkpoint that cannot be written is a warning; the run still ends with its model.
    func testAnUnwritableCheckpointDirectoryIsAWarning() throws {
        let blocker = work.file("a-file")
        XCTAssertTrue(FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8)))
        let (model, result) = try trainSmallModel(extra: ["--checkpoint-dir", blocker + "/checkpoints"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: model))
        XCTAssertTrue(result.stderr.contains("warning: \(blocker)/checkpoints/basic.checkpoint.cnnw: cannot be written (not a directory); "
                                             + "training goes on without a checkpoint for epoch 1"), result.stderr)
    }

    /// A disk that fills during training: the model goes beside the checkpoints, and the run says where.
    func testAFullDiskKeepsTheTrainedModel() throws {
        let small = work.file("small")
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        let mount = try CNNClassifyBinary.run(["-t", "tmpfs", "-o", "size=64k", "tmpfs", small], executable: "/bin/mount")
        guard mount.status == 0 else { throw XCTSkip("cannot mount a small file system here: \(mount.stderr)") }
        defer { _ = try? CNNClassifyBinary.run([small], executable: "/bin/umount") }
        let output = small + "/model.cnnw"
        let (_, result) = try trainSmallModel(extra: ["--output", output])
        XCTAssertEqual(result.status, 2)
        let rescue = work.file("checkpoints") + "/basic.unsaved.cnnw"
        XCTAssertTrue(result.stderr.hasSuffix("cnnclassify: \(output): cannot be written (no space left on device); "
                                              + "the trained model was written to \(rescue) instead\n"), result.stderr)
        XCTAssertEqual(try ModelFile.read(rescue).header.training?.trainingImages, 200)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: small), [], "no half-written file left")
    }

    func testADivergingRunStopsWithAReason() throws {
        let (model, result) = try trainSmallModel(extra: ["--lr", "1e10"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.hasSuffix("cnnclassify: training diverged at epoch 1 (the loss is not a number); try a lower --lr\n"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: model))
    }

    /// A checkpoint's state is a file anyone can edit: held to the command line's rules before use.
    func testAnEditedCheckpointStateIsRefused() throws {
        func checkpoint(_ edit: (inout TrainingState) -> Void) throws -> String {
            var state = TrainingState(configuration: TrainingConfiguration(epochs: 2, batchSize: 64, optimizer: .sgd, learningRate: 0.01,
                                                                           seed: 1, threads: 2), command: "cnnclassify train")
            state.data = DataSelection(directory: Self.data.path, limit: nil, validation: 300..<400)
            edit(&state)
            let path = work.file("edited.cnnw")
            try ModelFile.write(try Network(.basic), header: ModelHeader(architecture: .basic, classNames: FashionMNIST.classNames, checkpoint: state),
                                to: path)
            return path
        }
        let cases: [((inout TrainingState) -> Void, String)] = [
            ({ $0.configuration.batchSize = 0 }, "batch size 0"),
            ({ $0.configuration.batchSize = -64 }, "batch size -64"),
            ({ $0.configuration.batchSize = 1_000_000_000 }, "batch size 1000000000"),
            ({ $0.configuration.epochs = -1 }, "epochs -1"),
            ({ $0.data?.limit = -5 }, "a limit of -5 images"),
            ({ $0.data?.validation = 300..<5000 }, "validation images 300..<5000, beyond the 400 in the file"),
            ({ $0.step = -3 }, "an impossible position"),
            ({ $0.batch = 9 }, "batch 9 of an epoch of 5 batches"),
        ]
        for (edit, expected) in cases {
            let path = try checkpoint(edit)
            let result = try run(["train", "--resume", path, "--output", work.file("m.cnnw")])
            XCTAssertEqual(result.status, 2, expected)
            XCTAssertTrue(result.stderr.hasPrefix("cnnclassify: \(path): has an unusable training state: \(expected)"), result.stderr)
            XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
        }
    }

    /// Ctrl-C saves a checkpoint; --resume finishes with the same weights as an uninterrupted run.
    func testInterruptAndResumeGiveTheUninterruptedWeights() throws {
        let arguments = ["train", "--data", Self.data.path, "--arch", "seed", "--epochs", "12", "--limit", "300",
                         "--validation", "0", "--seed", "5", "--threads", "2", "--checkpoint-dir", work.file("checkpoints")]
        let reference = try run(arguments + ["--output", work.file("reference.cnnw")])
        XCTAssertEqual(reference.status, 0, reference.stderr)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CNNClassifyBinary.path)
        process.arguments = arguments + ["--output", work.file("resumed.cnnw")]
        let stderrPath = work.file("stderr.txt")
        XCTAssertTrue(FileManager.default.createFile(atPath: stderrPath, contents: nil))
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, !((try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "").contains("epoch 1/12") {
            usleep(2000)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let stderr = try String(contentsOfFile: stderrPath, encoding: .utf8)
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("checkpoint saved"), stderr)
        let checkpoint = work.file("checkpoints/seed.checkpoint.cnnw")
        XCTAssertTrue(stderr.contains("cnnclassify train --resume \(checkpoint)"), stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.file("resumed.cnnw")))

        let resumed = try run(["train", "--resume", checkpoint, "--output", work.file("resumed.cnnw"), "--threads", "2",
                               "--checkpoint-dir", work.file("checkpoints")])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming at epoch"), resumed.stderr)
        let a = try ModelFile.read(work.file("reference.cnnw")), b = try ModelFile.read(work.file("resumed.cnnw"))
        XCTAssertEqual(a.network.parameters.map(\.value.values), b.network.parameters.map(\.value.values))
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint), "a finished run removes its checkpoint")
    }
}
