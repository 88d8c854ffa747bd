import ArgumentParser
import CNN
import Datasets
import Foundation

struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refit a model's low-confidence flag on validation photos as well as validation images.",
        discussion: """
            The flag a model is trained with (top probability below 0.5, or energy above that of \
            99% of the validation images) was fitted on Fashion-MNIST alone, and lets through many \
            real photos the network gets wrong. This keeps the model's temperature and chooses the \
            minimum confidence (0.50 to 0.95) and energy threshold (flagging 1–5% of the validation \
            images) that leave the fewest of PHOTOS confidently wrong while flagging at most \
            --budget of the validation images. PHOTOS is a prefix written by `cnnclassify prepare` \
            (use photos you do not measure on), and the validation images are those train used \
            (the last 5,000 of the training file unless --validation says otherwise). The model is \
            rewritten in place, or written to --output.

            Example:
              cnnclassify prepare photos/ --mapping map.tsv --part validation \\
                --output data/v
              cnnclassify calibrate Models/fashion.cnnw --photos data/v
            """
    )

    @Argument(help: "Weight file to refit.") var model: String
    @Option(help: ArgumentHelp("Prepared validation photos (a `cnnclassify prepare` prefix).", valueName: "prefix")) var photos: String
    @Option(help: ArgumentHelp("Directory with the Fashion-MNIST IDX files (raw or .gz).", valueName: "directory")) var data: String?
    @Option(help: ArgumentHelp("Validation images: N (the last N of the training file) or a range a..<b of it.", valueName: "n|a..<b"))
    var validation: ValidationSelection = .last(5000)
    @Option(help: ArgumentHelp("The largest share of validation images the flag may take.", valueName: "share")) var budget: Double = 0.04
    @Flag(help: ArgumentHelp("Also consider a third rule: flag inputs whose penultimate features are far (Mahalanobis distance) from every class's mean on the training images."))
    var featureDistance = false
    @Option(help: "Where to write the refitted model (default: over MODEL).") var output: String?
    @Option(help: "Threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if threads <= 0 { throw ValidationError("--threads must be positive") }
        if !(budget > 0 && budget < 1) { throw ValidationError("--budget must be between 0 and 1") }
    }

    func run() throws {
        let contents = try loadModel(model)
        var header = contents.header
        guard let calibration = header.calibration else {
            throw CommandFailure(message: "\(model): has no fitted calibration to refit (train it with validation images)")
        }
        let trainFile = try loadSplit(.train, data ?? FashionMNIST.defaultDirectory)
        let all = LabeledImages(pixels: trainFile.images.pixels, labels: trainFile.labels.values,
                                height: trainFile.images.rows, width: trainFile.images.columns)
        let range = validation.range(within: all.count)
        guard !range.isEmpty else { throw CommandFailure(message: "--validation selects no images") }
        let prepared: SetLabelledImages
        do {
            prepared = try PreparedImageFiles.read(prefix: photos, classCount: header.classNames.count).images
        } catch {
            throw CommandFailure(message: "\(error)")
        }
        let network = try contents.network.foldingBatchNormalisation()
        let scale = header.input.scale, classes = network.classCount
        let photoImages = LabeledImages(pixels: prepared.pixels, labels: [UInt8](repeating: 0, count: prepared.count),
                                        height: prepared.height, width: prepared.width)
        let fashion = network.featuresAndLogits(all.subset(range), scale: scale, threads: threads)
        let photoOutputs = network.featuresAndLogits(photoImages, scale: scale, threads: threads)
        var candidates: Calibration.DistanceCandidates?
        if featureDistance {
            // The class means and covariance come from the images the network was trained on.
            let training = all.subset(Array(0..<range.lowerBound) + Array(range.upperBound..<all.count))
            let trainingOutputs = network.featuresAndLogits(training, scale: scale, threads: threads)
            let features = FeatureDistance.fit(features: trainingOutputs.features, labels: training.labels.map(Int.init),
                                               classes: classes, dimension: network.featureWidth)
            func distances(_ rows: [Float]) -> [Float] {
                rows.withUnsafeBufferPointer { features.distances($0.baseAddress!, rows: rows.count / network.featureWidth) }
            }
            candidates = .init(fashion: distances(fashion.features), photos: distances(photoOutputs.features), features: features)
        }
        let refit = calibration.refittingFlags(fashion: fashion.logits, photos: photoOutputs.logits, photoSets: prepared.sets,
                                               classes: classes, distances: candidates, fashionBudget: budget)
        header.calibration = refit.calibration
        let destination = output ?? model
        do {
            try ModelFile.write(contents.network, header: header, to: destination)
        } catch {
            throw CommandFailure(message: "\(error)")
        }
        for (name, figures, rules) in [("before", refit.before, calibration), ("after", refit.figures, refit.calibration)] {
            print("\(name): flagged when \(flagRule(rules)); validation images flagged \(percent(figures.fashionFlagged)), photos confidently wrong "
                  + "\(percent(figures.photosConfidentlyWrong)), photos of no class flagged \(percent(figures.noneFlagged))"
                  + (figures.rightFlagged.map { ", photos answered right flagged \(percent($0))" } ?? ""))
        }
        print("wrote \(destination)")
    }
}
