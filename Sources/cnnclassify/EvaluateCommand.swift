import ArgumentParser
import CNN
import Classifier
import Datasets
import Foundation
import Reports

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a model on IDX test data or on labelled photos: accuracy, per-class figures, confusion matrix.",
        discussion: """
            Default data: the official Fashion-MNIST t10k test set from --data.

            With --photos DIR: the photos in DIR, one folder per label, classified the way \
            classify does it. --mapping FILE says what each folder should get: a TSV file with a \
            header line and rows folder<TAB>classes, where classes is one class name, several \
            separated by | (any of them is right), or - for garments Fashion-MNIST does not have \
            (right only when flagged as low confidence). Without --mapping, folder names must be \
            class names. Reported: accuracy over the photos with a class (95% interval), the share \
            answered wrong without a flag, the share of no-class photos flagged, and per folder \
            its count, accuracy, flagged share and most common answers. --part tune or measure \
            takes one of two fixed halves of the photos (by a hash of the file name), so that one \
            can be tuned on and the other only measured on.

            Examples:
              cnnclassify evaluate
              cnnclassify evaluate --model Models/seed.cnnw --split train --range 5000..<10000
              cnnclassify evaluate --images my-images.idx.gz --labels my-labels.idx.gz --format json
              cnnclassify evaluate --photos photos/ --mapping photos/mapping.tsv --part measure --report why/
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }
    enum SplitChoice: String, ExpressibleByArgument, CaseIterable { case test, train }

    @OptionGroup var weights: ModelOptions
    @OptionGroup var fashionMNIST: DataOptions
    @Option(help: "Which Fashion-MNIST file pair in --data: test (t10k) or train.") var split: SplitChoice = .test
    @Option(help: "An IDX image file (raw or .gz) instead of --data; needs --labels.") var images: String?
    @Option(help: "The IDX label file that goes with --images.") var labels: String?
    @Option(help: ArgumentHelp("Only the images with these indices.", valueName: "a..<b")) var range: IndexRange?
    @Option(help: ArgumentHelp("Labelled photos instead of IDX data: one folder per label below this directory.", valueName: "directory"))
    var photos: String?
    @Option(help: ArgumentHelp("With --photos: the TSV file saying what each folder's photos should get.", valueName: "file"))
    var mapping: String?
    @Option(help: "With --photos: all photos, the half to tune on (tune) or to measure on (measure), or a half of tune: train (to train on) or validation (to choose on).")
    var part: LabelledPhotos.Part = .all
    @Option(help: "text or json.") var format: Format = .text
    @Option(help: ArgumentHelp("Write pictures to this directory: confusion-matrix.svg, per-class-accuracy.svg and mistakes.png (the most confidently wrong images; with --photos, mistakes.png and answers.png, a right answer from each folder, each photo beside its network input).",
                               valueName: "directory"))
    var report: String?
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if (images == nil) != (labels == nil) { throw ValidationError("--images and --labels go together") }
        if photos == nil && (mapping != nil || part != .all) { throw ValidationError("--mapping and --part go with --photos") }
        if photos != nil && (images != nil || fashionMNIST.data != nil || range != nil || split != .test) {
            throw ValidationError("--photos replaces --data, --split, --images and --range")
        }
    }

    func run() throws {
        if let photos { return try evaluatePhotos(in: photos) }
        let modelPath = try ModelLocator.resolve(weights.model)
        let contents = try loadModel(modelPath)
        let dataset: IDXDataset
        if let images, let labels {
            do {
                dataset = try IDXDataset(imagesPath: images, labelsPath: labels, classCount: contents.header.classNames.count)
            } catch {
                throw CommandFailure(message: "\(error)")
            }
        } else {
            dataset = try loadSplit(split == .test ? .test : .train, fashionMNIST.data ?? FashionMNIST.defaultDirectory)
        }
        let input = contents.header.input
        guard dataset.images.rows == input.height, dataset.images.columns == input.width else {
            throw CommandFailure(message: "\(dataset.imagesPath): has \(dataset.images.rows)×\(dataset.images.columns) images; the model takes \(input.height)×\(input.width)")
        }
        var all = dataset.labeledImages
        var selected = 0..<all.count
        if let range {
            guard range.range.upperBound <= all.count else {
                throw CommandFailure(message: "--range \(range.defaultValueDescription) goes past the \(all.count) images of \(dataset.imagesPath)")
            }
            selected = range.range
            all = all.subset(selected)
        }
        let network = try contents.network.preparedForInference()
        let modelCalibration = contents.header.calibration ?? .uncalibrated
        let logits = network.logits(all, scale: input.scale, threads: threading.threads)
        let labels = all.labels.map(Int.init)
        let metrics = ClassificationMetrics(classNames: contents.header.classNames, labels: labels, logits: logits)
        let classes = contents.header.classNames.count
        let answers = modelCalibration.assess(rows: logits, classes: classes)
        let calibration = CalibrationReport(modelCalibration, answers: answers,
                                            plain: Calibration.uncalibrated.assess(rows: logits, classes: classes), labels: labels)
        if let report {
            try writePictures(to: report, metrics: metrics, images: all, firstIndex: selected.lowerBound, answers: answers,
                              modelName: (modelPath as NSString).lastPathComponent)
        }
        switch format {
        case .json:
            let report = EvaluationReport(model: modelPath, architecture: contents.header.architecture.name,
                                          images: dataset.imagesPath, range: [selected.lowerBound, selected.upperBound], metrics: metrics,
                                          calibration: calibration)
            print(String(decoding: try JSONEncoder.sorted.encode(report), as: UTF8.self))
        case .text:
            print("model:    \(modelPath) (\(contents.header.architecture.name), \(grouped(contents.network.parameterCount)) parameters)")
            print("data:     \(dataset.imagesPath), images \(selected.lowerBound)..<\(selected.upperBound)")
            print(metrics.text)
            print("")
            print(calibration.text)
        }
    }

    struct EvaluationReport: Codable {
        var model: String
        var architecture: String
        var images: String
        var range: [Int]
        var metrics: ClassificationMetrics
        var calibration: CalibrationReport
    }
}
