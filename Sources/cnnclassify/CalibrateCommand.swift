import ArgumentParser
import CNN
import Datasets
import Foundation

struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit a model's low-confidence flag for photos on validation photos.",
        discussion: """
            A model is trained with one flag (top probability below 0.5, or energy above that of \
            99% of the validation images), fitted on Fashion-MNIST alone; on real photos it lets \
            through many answers the network gets wrong. This keeps the model's temperature and \
            that flag for crops (inputs already 28×28, and product shots on an even background), \
            and gives photos (those colour segmentation has to find the garment in) rules of \
            their own: of the minimum confidences 0.50 to 0.95 \
            and the energy thresholds that flag 5% to 50% of PHOTOS, those that leave at most \
            --risk of PHOTOS confidently wrong (wrong and not flagged) while flagging the fewest \
            right answers. PHOTOS is a prefix written by `cnnclassify prepare` (use photos you do \
            not measure on), and the validation images are those train used (the last 5,000 of \
            the training file unless --validation says otherwise). The model is rewritten in \
            place, or written to --output.

            Example:
              cnnclassify prepare photos/ --mapping map.tsv --part validation \\
                --output data/v
              cnnclassify calibrate Models/fashion.cnnw --photos data/v
            """
    )

    @Argument(help: "Weight file to refit.") var model: String
    @Option(help: ArgumentHelp("Prepared validation photos (a `cnnclassify prepare` prefix).", valueName: "prefix")) var photos: String
    @OptionGroup var fashionMNIST: DataOptions
    @Option(help: ArgumentHelp("Validation images: N (the last N of the training file) or a range a..<b of it.", valueName: "n|a..<b"))
    var validation: ValidationSelection = .last(5000)
    @Option(help: ArgumentHelp("The largest share of PHOTOS the flag may leave confidently wrong; the default aims below 5% on photos not seen.", valueName: "share"))
    var risk: Double = Calibration.defaultPhotoRisk
    @Flag(help: ArgumentHelp("Also consider a third rule for photos: flag those whose penultimate features are far (Mahalanobis distance) from every class's mean on the training images."))
    var featureDistance = false
    @Option(help: "Where to write the refitted model (default: over MODEL).") var output: String?
    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if !(risk >= 0 && risk < 1) { throw ValidationError("--risk must be at least 0 and below 1") }
    }

    func run() throws {
        let contents = try loadModel(model)
        var header = contents.header
        guard let calibration = header.calibration else {
            throw CommandFailure(message: "\(model): has no fitted calibration to refit (train it with validation images)")
        }
        let trainFile = try loadSplit(.train, fashionMNIST.data ?? FashionMNIST.defaultDirectory)
        let all = trainFile.labeledImages
        let range = validation.range(within: all.count)
        guard !range.isEmpty else { throw CommandFailure(message: "--validation selects no images") }
        let prepared: SetLabelledImages
        do {
            prepared = try PreparedImageFiles.read(prefix: photos, classCount: header.classNames.count).images
        } catch {
            throw CommandFailure(message: "\(error)")
        }
        let network = try contents.network.preparedForInference()
        let scale = header.input.scale, classes = network.classCount
        let photoImages = LabeledImages(pixels: prepared.pixels, labels: [UInt8](repeating: 0, count: prepared.count),
                                        height: prepared.height, width: prepared.width)
        let fashion = network.featuresAndLogits(all.subset(range), scale: scale, threads: threading.threads)
        let photoOutputs = network.featuresAndLogits(photoImages, scale: scale, threads: threading.threads)
        var candidates: Calibration.DistanceCandidates?
        if featureDistance {
            // The class means and covariance come from the images the network was trained on.
            let training = all.subset(Array(0..<range.lowerBound) + Array(range.upperBound..<all.count))
            let trainingOutputs = network.featuresAndLogits(training, scale: scale, threads: threading.threads)
            let features = FeatureDistance.fit(features: trainingOutputs.features, labels: training.labels.map(Int.init),
                                               classes: classes, dimension: network.featureWidth)
            func distances(_ rows: [Float]) -> [Float] {
                rows.withUnsafeBufferPointer { features.distances($0.baseAddress!, rows: rows.count / network.featureWidth) }
            }
            candidates = .init(fashion: distances(fashion.features), photos: distances(photoOutputs.features), features: features)
        }
        let refit = calibration.refittingFlags(fashion: fashion.logits, photos: photoOutputs.logits, photoSets: prepared.sets,
                                               classes: classes, distances: candidates, risk: risk)
        header.calibration = refit.calibration
        let destination = output ?? model
        do {
            try ModelFile.write(contents.network, header: header, to: destination)
        } catch {
            throw CommandFailure(message: "\(error)")
        }
        for (name, figures, rules) in [("before", refit.before, calibration), ("after", refit.figures, refit.calibration)] {
            print("\(name): crops flagged when \(rules.cropRules.text), photos when \(rules.rules(photo: true).text); "
                  + "validation images flagged \(percent(figures.fashionFlagged)), photos confidently wrong "
                  + "\(percent(figures.photosConfidentlyWrong)), photos of no class flagged \(percent(figures.noneFlagged))"
                  + (figures.rightFlagged.map { ", photos answered right flagged \(percent($0))" } ?? ""))
        }
        print("wrote \(destination)")
    }
}
