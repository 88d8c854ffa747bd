import ArgumentParser
import CNN
import Datasets
import Foundation

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a model on IDX test data: accuracy, per-class figures, confusion matrix.",
        discussion: """
            Default data: the official Fashion-MNIST t10k test set from --data.

            Examples:
              cnnclassify evaluate
              cnnclassify evaluate --model Models/seed.cnnw --split train --range 5000..<10000
              cnnclassify evaluate --images my-images.idx.gz --labels my-labels.idx.gz --format json
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }
    enum SplitChoice: String, ExpressibleByArgument, CaseIterable { case test, train }

    @Option(help: "Weight file (default: $CNNCLASSIFY_MODEL, else Models/\(ModelLocator.defaultModelName)).") var model: String?
    @Option(help: ArgumentHelp("Directory with the Fashion-MNIST IDX files.",
                               discussion: "Default: $FASHION_MNIST_DIR, else \(FashionMNIST.systemDirectory)."))
    var data: String?
    @Option(help: "Which Fashion-MNIST file pair in --data: test (t10k) or train.") var split: SplitChoice = .test
    @Option(help: "An IDX image file (raw or .gz) instead of --data; needs --labels.") var images: String?
    @Option(help: "The IDX label file that goes with --images.") var labels: String?
    @Option(help: ArgumentHelp("Only the images with these indices.", valueName: "a..<b")) var range: IndexRange?
    @Option(help: "text or json.") var format: Format = .text
    @Option(help: "Threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if (images == nil) != (labels == nil) { throw ValidationError("--images and --labels go together") }
        if threads <= 0 { throw ValidationError("--threads must be positive") }
    }

    func run() throws {
        let modelPath = try ModelLocator.resolve(model)
        let contents = try loadModel(modelPath)
        let dataset: IDXDataset
        if let images, let labels {
            do {
                dataset = try IDXDataset(imagesPath: images, labelsPath: labels, classCount: contents.header.classNames.count)
            } catch {
                throw CommandFailure(message: "\(error)")
            }
        } else {
            dataset = try loadSplit(split == .test ? .test : .train, data ?? FashionMNIST.defaultDirectory)
        }
        let input = contents.header.input
        guard dataset.images.rows == input.height, dataset.images.columns == input.width else {
            throw CommandFailure(message: "\(dataset.imagesPath): has \(dataset.images.rows)×\(dataset.images.columns) images; the model takes \(input.height)×\(input.width)")
        }
        var all = LabeledImages(pixels: dataset.images.pixels, labels: dataset.labels.values,
                                height: dataset.images.rows, width: dataset.images.columns)
        var selected = 0..<all.count
        if let range {
            guard range.range.upperBound <= all.count else {
                throw CommandFailure(message: "--range \(range.defaultValueDescription) goes past the \(all.count) images of \(dataset.imagesPath)")
            }
            selected = range.range
            all = all.subset(selected)
        }
        let network = contents.network
        var predictions: [Int] = []
        predictions.reserveCapacity(all.count)
        network.forEachBatchOfLogits(all, scale: input.scale, threads: threads) { _, logits, _ in
            let classes = logits.shape[1]
            for n in 0..<logits.shape[0] {
                predictions.append(SoftmaxCrossEntropy.argmax(logits.data + n * classes, classes).1)
            }
        }
        let metrics = ClassificationMetrics(classNames: contents.header.classNames, labels: all.labels.map(Int.init), predictions: predictions)
        switch format {
        case .json:
            let report = EvaluationReport(model: modelPath, architecture: contents.header.architecture.name,
                                          images: dataset.imagesPath, range: [selected.lowerBound, selected.upperBound], metrics: metrics)
            print(String(decoding: try JSONEncoder.sortedKeys.encode(report), as: UTF8.self))
        case .text:
            print("model:    \(modelPath) (\(contents.header.architecture.name), \(grouped(network.parameterCount)) parameters)")
            print("data:     \(dataset.imagesPath), images \(selected.lowerBound)..<\(selected.upperBound)")
            print(textReport(metrics))
        }
    }

    struct EvaluationReport: Codable {
        var model: String
        var architecture: String
        var images: String
        var range: [Int]
        var metrics: ClassificationMetrics
    }

    private func textReport(_ m: ClassificationMetrics) -> String {
        var lines = [
            "accuracy: \(percent(m.accuracy)) (\(grouped(m.correct))/\(grouped(m.total))), 95% interval \(percent(m.accuracyInterval[0]))–\(percent(m.accuracyInterval[1]))",
            "",
            "class          precision  recall      F1  support",
        ]
        for c in m.classes {
            lines.append(c.name.padding(toLength: 13, withPad: " ", startingAt: 0)
                + String(format: "  %9.4f %7.4f %7.4f %8d", c.precision, c.recall, c.f1, c.support))
        }
        lines += ["", "confusion matrix (rows: true class, columns: predicted class by label)"]
        lines.append(String(repeating: " ", count: 15) + (0..<m.classes.count).map { String($0).leftPadded(6) }.joined())
        for (label, (name, row)) in zip(m.classes.map(\.name), m.confusion).enumerated() {
            lines.append("\(label) " + name.padding(toLength: 13, withPad: " ", startingAt: 0) + row.map { String($0).leftPadded(6) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? " " + self : String(repeating: " ", count: width - count) + self }
}
