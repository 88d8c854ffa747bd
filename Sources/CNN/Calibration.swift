import Foundation

/// Temperature scaling (Guo et al., 2017) and the rules that flag doubtful answers, fitted on
/// validation images after training and stored in the weight file.
///
/// Probabilities are `softmax(logits / temperature)`. One temperature for all classes keeps the
/// ranking, so accuracy does not change, while the probabilities come to match how often the
/// network is right. An answer is flagged *low confidence* when its top probability is below
/// `minimumConfidence`, or when the input is *unusual*: its free energy `−T·log Σᵢ exp(zᵢ/T)` is
/// higher than that of 99% of the validation images (Liu et al., 2020). Inputs unlike the training
/// images tend to excite no class strongly, which shows as high energy. Those are the rules for
/// crops, images like Fashion-MNIST's. Photos, in which preprocessing had to find the garment,
/// may have rules of their own (`photoRules`, fitted by `refittingFlags`), which may also call an
/// input unusual when its features lie far from every class (`FeatureDistance`).
public struct Calibration: Codable, Equatable, Sendable {
    public var temperature: Float
    public var minimumConfidence: Float
    /// Energies above this are unusual; `nil` for models without a fitted calibration.
    public var maximumEnergy: Float?
    /// Expected calibration error on the validation images at temperature 1 and at `temperature`.
    public var validationErrorBefore: Double?
    public var validationErrorAfter: Double?
    /// The rules for photos, when they were fitted on photos; without them photos are flagged as crops are.
    public var photoRules: FlagRules?
    /// How the flag does on the validation photos it was fitted on.
    public var photoFlags: FlagFigures?
    /// The distance `photoRules.maximumDistance` is a threshold of. The weight file stores it as
    /// two tensors (`FeatureDistance.meansTensorName`, `.precisionTensorName`), not in the header.
    public var features: FeatureDistance?

    private enum CodingKeys: String, CodingKey {
        case temperature, minimumConfidence, maximumEnergy, validationErrorBefore, validationErrorAfter, photoRules, photoFlags
    }

    /// The thresholds past which an answer is flagged.
    public struct FlagRules: Codable, Equatable, Sendable {
        public var minimumConfidence: Float
        /// Energies above this are unusual; `nil`: no energy rule.
        public var maximumEnergy: Float?
        /// Feature distances above this are unusual; `nil`: no distance rule.
        public var maximumDistance: Float?

        public init(minimumConfidence: Float, maximumEnergy: Float?, maximumDistance: Float? = nil) {
            self.minimumConfidence = minimumConfidence
            self.maximumEnergy = maximumEnergy
            self.maximumDistance = maximumDistance
        }

        /// Whether the top probability is below the minimum, and whether the input is unusual.
        func reasons(topProbability: Float, energy: Float, distance: Float?) -> (uncertain: Bool, unusual: Bool) {
            let far = distance.flatMap { d in maximumDistance.map { d > $0 } } ?? false
            return (topProbability < minimumConfidence, (maximumEnergy.map { energy > $0 } ?? false) || far)
        }

        func flags(_ answer: Assessment, distance: Float? = nil) -> Bool {
            let (uncertain, unusual) = reasons(topProbability: answer.probabilities.max() ?? 0, energy: answer.energy, distance: distance)
            return uncertain || unusual
        }

        /// What makes the rules unusable, or nil.
        var inconsistency: String? {
            guard minimumConfidence.isFinite, (0...1).contains(minimumConfidence) else {
                return "has a minimum confidence of \(minimumConfidence), outside 0...1"
            }
            guard maximumEnergy?.isFinite ?? true else { return "has an energy threshold that is not a finite number" }
            guard maximumDistance?.isFinite ?? true else { return "has a feature-distance threshold that is not a finite number" }
            return nil
        }
    }

    /// What models without a fitted calibration use: plain softmax, and only the probability rule.
    public static let uncalibrated = Calibration(temperature: 1, minimumConfidence: defaultMinimumConfidence, maximumEnergy: nil)
    /// Below an even chance the answer is more likely wrong than right.
    public static let defaultMinimumConfidence: Float = 0.5
    /// The share of validation images the energy rule may flag.
    public static let unusualFraction = 0.01
    /// Temperatures a weight file may hold: the fitting bracket, 0.05 to 20, with room for rounding.
    public static let temperatures: ClosedRange<Float> = 0.04...25

    public init(temperature: Float, minimumConfidence: Float, maximumEnergy: Float?,
                validationErrorBefore: Double? = nil, validationErrorAfter: Double? = nil) {
        self.temperature = temperature
        self.minimumConfidence = minimumConfidence
        self.maximumEnergy = maximumEnergy
        self.validationErrorBefore = validationErrorBefore
        self.validationErrorAfter = validationErrorAfter
    }

    /// The rules for crops.
    public var cropRules: FlagRules { FlagRules(minimumConfidence: minimumConfidence, maximumEnergy: maximumEnergy) }

    /// The rules for a crop, or for a photo.
    public func rules(photo: Bool) -> FlagRules { photo ? photoRules ?? cropRules : cropRules }

    /// The network's answer for one row of logits.
    public struct Assessment: Sendable {
        public var probabilities: [Float]
        public var energy: Float
        /// The top probability is below the rules' minimum confidence.
        public var uncertain: Bool
        /// The energy, or the feature distance, is above the rules' threshold.
        public var unusual: Bool
        public var lowConfidence: Bool { uncertain || unusual }
        /// The most probable class.
        public var label: Int { probabilities.argmax }
    }

    /// The answer for one row of logits of a crop or, with `photo`, of a photo (whose feature
    /// distance counts when the rules for photos have a threshold for it).
    public func assess(_ logits: UnsafeBufferPointer<Float>, photo: Bool = false, distance: Float? = nil) -> Assessment {
        let (probabilities, logSumExp) = Self.softmax(logits, temperature: temperature)
        let energy = -temperature * logSumExp
        let (uncertain, unusual) = rules(photo: photo).reasons(topProbability: probabilities.max() ?? 0, energy: energy, distance: distance)
        return Assessment(probabilities: probabilities, energy: energy, uncertain: uncertain, unusual: unusual)
    }

    /// The answers for `logits` taken as rows of `classes` values, of crops.
    public func assess(rows logits: [Float], classes: Int) -> [Assessment] {
        logits.withUnsafeBufferPointer { all in
            (0 ..< all.count / classes).map { assess(UnsafeBufferPointer(rebasing: all[$0 * classes ..< ($0 + 1) * classes])) }
        }
    }

    /// The feature distances of `features` (rows of the network's penultimate outputs), if the
    /// flag for photos uses them.
    public func distances(_ rowsOfFeatures: UnsafePointer<Float>, rows: Int) -> [Float]? {
        distanceRule?.distances(rowsOfFeatures, rows: rows)
    }

    /// The distance the flag for photos measures, when it has a threshold for it.
    var distanceRule: FeatureDistance? { photoRules?.maximumDistance == nil ? nil : features }

    /// `softmax(z / T)` and `log Σ exp(zᵢ / T)`, computed from the largest logit so nothing overflows.
    static func softmax(_ logits: UnsafeBufferPointer<Float>, temperature: Float) -> ([Float], Float) {
        let top = logits.max() ?? 0
        var exponentials = logits.map { exp(($0 - top) / temperature) }
        let sum = exponentials.reduce(0, +)
        for i in exponentials.indices { exponentials[i] /= sum }
        return (exponentials, top / temperature + log(sum))
    }

    /// Fits the temperature that minimises the cross-entropy of `logits` (`labels.count` rows of
    /// `classes` values) and the energy threshold, and measures the calibration error before and after.
    public static func fit(logits: [Float], classes: Int, labels: [Int]) -> Calibration {
        precondition(logits.count == labels.count * classes && !labels.isEmpty)
        let temperature = Float(fittedTemperature(logits: logits, classes: classes, labels: labels))
        var fitted = Calibration(temperature: temperature, minimumConfidence: defaultMinimumConfidence, maximumEnergy: nil)
        fitted.maximumEnergy = threshold(fitted.assess(rows: logits, classes: classes).map(\.energy), flagging: unusualFraction)
        fitted.validationErrorBefore = expectedCalibrationError(uncalibrated.assess(rows: logits, classes: classes), labels: labels)
        fitted.validationErrorAfter = expectedCalibrationError(fitted.assess(rows: logits, classes: classes), labels: labels)
        return fitted
    }

    /// How a calibration's flag does on validation images and validation photos.
    public struct FlagFigures: Codable, Equatable, Sendable {
        /// Share of the Fashion-MNIST validation images flagged (by the rules for crops).
        public var fashionFlagged: Double
        /// Share of the photos answered wrong and not flagged (a photo of none of the classes is
        /// wrong unless flagged).
        public var photosConfidentlyWrong: Double
        /// Share of the photos of none of the classes that are flagged.
        public var noneFlagged: Double
        /// Share of the photos answered right that are flagged anyway (absent in files made
        /// before it was recorded).
        public var rightFlagged: Double?
    }

    /// The feature distances of the validation images and photos, and the distance they were
    /// measured with, for a refit that may use them.
    public struct DistanceCandidates {
        public var fashion: [Float]
        public var photos: [Float]
        public var features: FeatureDistance
        public init(fashion: [Float], photos: [Float], features: FeatureDistance) {
            self.fashion = fashion
            self.photos = photos
            self.features = features
        }
    }

    /// The share of validation images a distance threshold may flag on its own: none, or one of these.
    public static let distanceFractions: [Double?] = [nil, 0.005, 0.01, 0.015, 0.02, 0.03]
    /// The shares of the validation photos an energy threshold for photos may flag on its own: none, or one of these.
    public static let photoEnergyFractions: [Double?] = [nil] + (1...10).map { Double($0) / 20 }
    /// The largest share of photos `refittingFlags` leaves confidently wrong unless told otherwise.
    public static let defaultPhotoRisk = 0.04

    /// The same temperature with rules for photos fitted on validation photos, and the rules for
    /// crops as training fits them (`defaultMinimumConfidence`, and energy above that of all but
    /// `unusualFraction` of `fashion`, the rows of logits of validation images).
    ///
    /// A photo is harder than a Fashion-MNIST crop, and the same confidence means less there, so
    /// photos get rules of their own, chosen as in selective classification (Geifman and
    /// El-Yaniv, 2017): of the minimum confidences 0.50, 0.51, …, 0.95, the energy thresholds of
    /// `photoEnergyFractions` and, given `distances`, the feature-distance thresholds of
    /// `distanceFractions`, the rules that leave at most `risk` of `photos` (rows of logits of
    /// validation photos, whose right classes are `photoSets`) confidently wrong while flagging
    /// the fewest photos answered right — or, where no rule gets that low, the rules that leave
    /// the fewest confidently wrong. Returns the rules and their figures, and the figures of the
    /// rules as they were.
    public func refittingFlags(fashion: [Float], photos: [Float], photoSets: [LabelSet], classes: Int,
                               distances: DistanceCandidates? = nil,
                               risk: Double = defaultPhotoRisk) -> (calibration: Calibration, figures: FlagFigures, before: FlagFigures) {
        precondition(photos.count == photoSets.count * classes && !photoSets.isEmpty && !fashion.isEmpty)
        let fashionAnswers = assess(rows: fashion, classes: classes)
        let photoAnswers = assess(rows: photos, classes: classes)
        var refit = self
        refit.minimumConfidence = Self.defaultMinimumConfidence
        refit.maximumEnergy = Self.threshold(fashionAnswers.map(\.energy), flagging: Self.unusualFraction)
        func fashionFlagged(_ rules: FlagRules) -> Double { Double(fashionAnswers.filter { rules.flags($0) }.count) / Double(fashionAnswers.count) }
        struct Tally { var wrong = 0, noneFlagged = 0, rightFlagged = 0 }
        let none = photoSets.filter(\.isEmpty).count
        let right = zip(photoAnswers, photoSets).filter { $1.contains($0.label) }.count
        func tally(_ rules: FlagRules) -> Tally {
            var tally = Tally()
            for (n, (answer, rightClasses)) in zip(photoAnswers, photoSets).enumerated() {
                let isFlagged = rules.flags(answer, distance: rules.maximumDistance == nil ? nil : distances?.photos[n])
                if rightClasses.isEmpty && isFlagged { tally.noneFlagged += 1 }
                if rightClasses.contains(answer.label) {
                    if isFlagged { tally.rightFlagged += 1 }
                } else if !isFlagged {
                    tally.wrong += 1
                }
            }
            return tally
        }
        func figures(_ tally: Tally, fashionFlagged: Double) -> FlagFigures {
            FlagFigures(fashionFlagged: fashionFlagged, photosConfidentlyWrong: Double(tally.wrong) / Double(photoAnswers.count),
                        noneFlagged: none == 0 ? 1 : Double(tally.noneFlagged) / Double(none),
                        rightFlagged: right == 0 ? 0 : Double(tally.rightFlagged) / Double(right))
        }
        let before = figures(tally(rules(photo: true)), fashionFlagged: fashionFlagged(cropRules))
        let allowed = Int((risk * Double(photoAnswers.count)).rounded(.down))
        let energyThresholds = Self.photoEnergyFractions.map { $0.map { Self.threshold(photoAnswers.map(\.energy), flagging: $0) } }
        let distanceThresholds = distances.map { d in Self.distanceFractions.map { $0.map { Self.threshold(d.fashion, flagging: $0) } } } ?? [nil]
        var best: (rules: FlagRules, tally: Tally)?
        for step in 0...45 {
            for maximumEnergy in energyThresholds {
                for maximumDistance in distanceThresholds {
                    let rules = FlagRules(minimumConfidence: 0.5 + Float(step) / 100, maximumEnergy: maximumEnergy, maximumDistance: maximumDistance)
                    let candidate = tally(rules)
                    guard let current = best?.tally else { best = (rules, candidate); continue }
                    let better = candidate.wrong <= allowed
                        ? current.wrong > allowed || candidate.rightFlagged < current.rightFlagged
                            || (candidate.rightFlagged == current.rightFlagged && candidate.wrong < current.wrong)
                        : candidate.wrong < current.wrong || (candidate.wrong == current.wrong && candidate.rightFlagged < current.rightFlagged)
                    if better { best = (rules, candidate) }
                }
            }
        }
        refit.photoRules = best!.rules
        refit.features = best!.rules.maximumDistance == nil ? nil : distances?.features
        refit.photoFlags = figures(best!.tally, fashionFlagged: fashionFlagged(refit.cropRules))
        return (refit, refit.photoFlags!, before)
    }

    /// The value that `fraction` of `values` lie above.
    private static func threshold(_ values: [Float], flagging fraction: Double) -> Float {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * (1 - fraction)).rounded(.down)))]
    }

    /// The negative log-likelihood is convex in β = 1/T, so a golden-section search over β finds
    /// its minimum; the bracket allows temperatures from 0.05 to 20.
    private static func fittedTemperature(logits: [Float], classes: Int, labels: [Int]) -> Double {
        func loss(_ beta: Double) -> Double {
            var total = 0.0
            for (n, label) in labels.enumerated() {
                let row = logits[n * classes ..< (n + 1) * classes].map { Double($0) * beta }
                let top = row.max()!
                total += top + log(row.reduce(0) { $0 + exp($1 - top) }) - row[label]
            }
            return total
        }
        let ratio = (5.0.squareRoot() - 1) / 2
        var low = 0.05, high = 20.0
        var a = high - ratio * (high - low), b = low + ratio * (high - low)
        var lossA = loss(a), lossB = loss(b)
        while high - low > 1e-5 {
            if lossA < lossB {
                high = b; b = a; lossB = lossA
                a = high - ratio * (high - low); lossA = loss(a)
            } else {
                low = a; a = b; lossA = lossB
                b = low + ratio * (high - low); lossB = loss(b)
            }
        }
        return 2 / (low + high)
    }

    /// Expected calibration error: the top probabilities put in `bins` equal-width bins, and the
    /// gap between each bin's mean confidence and its accuracy, weighted by the bin's share.
    public static func expectedCalibrationError(_ answers: [Assessment], labels: [Int], bins: Int = 15) -> Double {
        var confidence = [Double](repeating: 0, count: bins), correct = [Double](repeating: 0, count: bins)
        for (answer, label) in zip(answers, labels) {
            let top = Double(answer.probabilities[answer.label])
            let bin = min(bins - 1, Int(top * Double(bins)))
            confidence[bin] += top
            correct[bin] += answer.label == label ? 1 : 0
        }
        return (0..<bins).reduce(0) { $0 + abs(confidence[$1] - correct[$1]) } / Double(labels.count)
    }
}
