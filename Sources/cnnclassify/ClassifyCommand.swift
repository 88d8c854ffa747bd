import ArgumentParser
import CNN
import Classifier
import Foundation
import Imaging

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify PNG and JPEG images (the default command).",
        discussion: Self.discussion
    )

    @Argument(help: ArgumentHelp("Image files, directories, or - for standard input.", valueName: "input"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Also classify the files listed in this file (- for standard input), one path per line.", valueName: "file"))
    var filesFrom: String?

    @Flag(name: [.customShort("0"), .customLong("null")], help: "With --files-from: paths are separated by NUL bytes (find -print0).")
    var nulSeparated = false

    @OptionGroup var sharding: ShardOptions

    @Option(help: "Output: text, tsv, csv or json (one JSON object per line).")
    var format: PredictionFormatter.Format = .text

    @Option(help: ArgumentHelp("Write the results to this file instead of standard output, each batch as soon as it is known, in whole lines.",
                               valueName: "file"))
    var output: String?

    @Flag(help: "With --output: keep the results the file holds (from a run that was stopped) and classify only the inputs it does not hold yet.")
    var resume = false

    @Flag(help: "Show files done, files/s and an ETA on stderr even when it is not a terminal (on a terminal it is shown anyway).")
    var progress = false

    @Option(help: "With text output: list the K most probable classes.")
    var top: Int = 1

    @Flag(help: "With text output: list all classes.")
    var all = false

    @OptionGroup var weights: ModelOptions

    @Option(help: "Refuse images with more pixels than this (checked from the header).")
    var maxPixels: Int = ImageDecoder.defaultMaxPixels

    @Option(help: "Refuse inputs and image bytes on standard input longer than this many bytes, unread (a --files-from list is read as it is used, whatever its length).")
    var maxBytes: Int = FileContents.defaultLimit

    @Option(help: "Invert to a dark background: auto (when the border is light), always or never.")
    var invert: Preprocessor.Polarity = .auto

    @Option(help: "fashion (trim, fit the longest edge, centre) or none (just resize to 28×28).")
    var preprocess: Preprocessor.Mode = .fashion

    @OptionGroup var pictures: PictureOptions

    @OptionGroup var threading: ThreadOptions

    @Option(help: "Images classified at once, shared out among the threads (at least 32 to a thread).")
    var batchSize: Int = 256

    func validate() throws {
        if inputs.isEmpty && filesFrom == nil {
            throw ValidationError("no input: give image files, directories, - for standard input, or --files-from FILE")
        }
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if batchSize < 1 || maxPixels < 1 || maxBytes < 1 {
            throw ValidationError("--batch-size, --max-pixels and --max-bytes must be positive")
        }
        if resume && output == nil { throw ValidationError("--resume needs --output FILE: the results to resume") }
        if filesFrom == "-" && inputs.contains("-") {
            throw ValidationError("standard input cannot hold both the list of paths and an image")
        }
    }

    func run() throws {
        let modelPath = try ModelLocator.resolve(weights.model)
        let contents = try loadModel(modelPath, purpose: .classifying)
        try pictures.createDirectories()
        var failures = 0
        var standardOutput = OutputBuffer()
        let progressLine = BatchProgress(forced: progress, total: knownTotal())
        let reportProblem = { (path: String, reason: String) in
            failures += 1
            standardOutput.flush()
            progressLine.clear()
            printError("\(PredictionFormatter.escaped(path)): \(reason)")
        }
        var all = try inputSequence(problem: reportProblem)

        let pipeline = ClassificationPipeline(network: try contents.network.preparedForInference(), header: contents.header)
        pipeline.decoder.maxPixels = maxPixels
        pipeline.maxBytes = maxBytes
        pipeline.preprocessor = Preprocessor(mode: preprocess, polarity: invert)
        pipeline.threads = threading.threads
        pipeline.batchSize = batchSize
        pictures.ask(pipeline)
        let classNames = contents.header.classNames
        let formatter = PredictionFormatter(format: format, classNames: classNames, top: self.all ? classNames.count : top)
        let results: ResultFile?
        do throws(FileProblem) {
            results = try output.map { path throws(FileProblem) in try ResultFile(path: path, formatter: formatter, resuming: resume) }
        } catch {
            throw CommandFailure(message: error.description)
        }
        if let results {
            if results.resumedCount > 0 { printError("\(PredictionFormatter.escaped(results.path)): resuming after the \(results.resumedCount) results it holds") }
            all = AnySequence(all.lazy.filter { !results.holds($0) })
        } else if let header = formatter.header {
            standardOutput.line(header)
        }
        var writeFailure: FileProblem?
        try pipeline.run(all, report: { _, outcome in
            switch outcome {
            case .classified(let prediction):
                if let results { results.append(formatter.line(prediction)) } else { standardOutput.line(formatter.line(prediction)) }
            case .failed(let input, let reason): reportProblem(input.name, reason)
            }
            progressLine.count()
        }, afterEachWindow: {
            progressLine.draw()
            do throws(FileProblem) { try results?.flush() } catch { writeFailure = writeFailure ?? error }
        })
        standardOutput.flush()
        progressLine.clear()
        if let writeFailure { throw CommandFailure(message: writeFailure.description, exitCode: 1) }
        if failures > 0 { throw ExitCode(1) }
    }
}
