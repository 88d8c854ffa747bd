import ArgumentParser
import CNN
import Classifier
import Datasets
import Foundation

struct Prepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Turn a folder of labelled photos into IDX files to train on, through classify's own preprocessing.",
        discussion: """
            DIRECTORY holds one folder per label, as for `evaluate --photos`; --mapping says what \
            each folder's photos are: one class, several acceptable ones (Sandal|Sneaker|Ankle boot), \
            or - for a garment the classes do not have. Every photo is decoded, segmented and fitted \
            to the network's input exactly as `classify` does it, so that training sees what \
            classifying sees.

            Writes PREFIX-images-idx3-ubyte and, when every photo has one class, \
            PREFIX-labels-idx1-ubyte (a plain IDX pair); otherwise PREFIX-label-sets-idx2-ubyte: \
            an IDX file of bytes, one row per photo and one column per class, 1 where the class is \
            right and 0 where it is not (a row of zeros: none of these). Train on them with \
            `cnnclassify train --extra PREFIX:SHARE`. Photos that cannot be read are listed and \
            left out, and the exit status is then 1.

            Examples:
              cnnclassify prepare photos/ --mapping map.tsv --part train --output data/p
              cnnclassify train --arch fashion --extra data/p:0.2
            """
    )

    @Argument(help: ArgumentHelp("Labelled photos: one folder per label below this directory.", valueName: "directory"))
    var directory: String
    @Option(help: ArgumentHelp("The TSV file saying what each folder's photos are (folder<TAB>classes, a header line first).", valueName: "file"))
    var mapping: String?
    @Option(help: "Which photos: all, tune or measure (halves), or train or validation (the halves of tune).")
    var part: LabelledPhotos.Part = .all
    @Option(help: ArgumentHelp("Where to write: the IDX files' names start with this.", valueName: "prefix")) var output: String
    @OptionGroup var weights: ModelOptions
    @Flag(help: "Show progress on stderr even when it is not a terminal.") var progress = false
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if output.isEmpty || output.hasSuffix("/") { throw ValidationError("--output is a prefix for file names, not a directory") }
    }

    func run() throws {
        let contents = try loadModel(try ModelLocator.resolve(weights.model))
        let classNames = contents.header.classNames
        let labelled: LabelledPhotos
        do {
            labelled = try LabelledPhotos(directory: directory, mappingFile: mapping, classNames: classNames, part: part) {
                printError("\($0): \($1)")
            }
        } catch {
            throw CommandFailure(message: "\(error)")
        }
        let pipeline = ClassificationPipeline(network: contents.network, header: contents.header)
        pipeline.threads = threading.threads
        let line = BatchProgress(forced: progress, total: labelled.folders.map(\.files.count).reduce(0, +))
        let prepared = PreparedPhotos(labelled, pipeline: pipeline) { done, _ in
            line.set(done: done)
            line.draw()
        }
        line.clear()
        for failure in prepared.failures { printError("\(failure.path): \(failure.reason)") }
        guard prepared.images.count > 0 else { throw CommandFailure(message: "\(directory): no photo could be prepared", exitCode: 1) }
        let written: [String]
        do {
            written = try PreparedImageFiles.write(prepared.images, classCount: classNames.count, prefix: output)
        } catch {
            throw CommandFailure(message: "\(error)")
        }
        for folder in prepared.folders {
            let expectation = labelled.folders.first { $0.name == folder.name }!.expectation
            print("\(folder.name): \(grouped(folder.count)) photos, \(describe(expectation, classNames))")
        }
        print("wrote \(written.joined(separator: ", ")): \(grouped(prepared.images.count)) photos"
              + (prepared.failures.isEmpty ? "" : ", \(grouped(prepared.failures.count)) left out"))
        if !prepared.failures.isEmpty { throw ExitCode(1) }
    }

    private func describe(_ expectation: PhotoExpectation, _ classNames: [String]) -> String {
        switch expectation {
        case .anyOf(let labels): labels.map { classNames[$0] }.joined(separator: " or ")
        case .noClass: "none of these"
        }
    }
}
