import Foundation

/// Temperature scaling (Guo et al., 2017) and the rules that flag doubtful answers, fitted on
/// validation images after training and stored in the weight file.
///
/// Probabilities are `softmax(logits / temperature)`. One temperature for all classes keeps the
/// ranking, so accuracy does not change, while the probabilities come to match how often the
/// network is right. An answer is flagged *low confidence* when its top probability is below
/// `minimumConfidence`, or when the input is *unusual*: its free energy `−T·log Σᵢ exp(zᵢ/T)` is
/// higher than that of 99% of the validation images (Liu et al., 2020). Inputs unlike the training
/// images tend to excite no class strongly, which shows as high energy. A flag refitted on photos
/// (`refittingFlags`) may also call an input unusual when its features lie far from every class
/// (`FeatureDistance`).
public struct Calibration: Codable, Equatable, Sendable {
    public var temperature: Float
    public var minimumConfidence: Float
    /// Energies above this are unusual; `nil` for models without a fitted calibration.
    public var maximumEnergy: Float?
    /// Expected calibration error on the validation images at temperature 1 and at `temperature`.
    public var validationErrorBefore: Double?
    public var validationErrorAfter: Double?
    /// When the flagging rules were refitted on photos (`refittingFlags`), how they do there.
    public var photoFlags: FlagFigures?
    /// Feature distances above this are unusual; `nil` when the rule is not used.
    public var maximumDistance: Float?
    /// The distance the rule measures. The weight file stores it as two tensors
    /// (`FeatureDistance.meansTensorName`, `.precisionTensorName`), not in the header.
    public var features: FeatureDistance?

    private enum CodingKeys: String, CodingKey {
        case temperature, minimumConfidence, maximumEnergy, validationErrorBefore, validationErrorAfter, photoFlags, maximumDistance
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

    /// The network's answer for one row of logits.
    public struct Assessment: Sendable {
        public var probabilities: [Float]
        public var energy: Float
        /// The top probability is below `minimumConfidence`.
        public var uncertain: Bool
        /// The energy is above `maximumEnergy`, or the distance above `maximumDistance`.
        public var unusual: Bool
        public var lowConfidence: Bool { uncertain || unusual }
        /// The most probable class.
        public var label: Int { probabilities.indices.max { probabilities[$0] < probabilities[$1] }! }
    }

    public func assess(_ logits: UnsafeBufferPointer<Float>, distance: Float? = nil) -> Assessment {
        let (probabilities, logSumExp) = Self.softmax(logits, temperature: temperature)
        let energy = -temperature * logSumExp
        var far = false
        if let distance, let maximumDistance { far = distance > maximumDistance }
        return Assessment(probabilities: probabilities, energy: energy,
                          uncertain: (probabilities.max() ?? 0) < minimumConfidence,
                          unusual: (maximumEnergy.map { energy > $0 } ?? false) || far)
    }

    /// The answers for `logits` taken as rows of `classes` values, with each row's feature
    /// distance when the flag uses it.
    public func assess(rows logits: [Float], classes: Int, distances: [Float]? = nil) -> [Assessment] {
        logits.withUnsafeBufferPointer { all in
            (0 ..< all.count / classes).map { assess(UnsafeBufferPointer(rebasing: all[$0 * classes ..< ($0 + 1) * classes]), distance: distances?[$0]) }
        }
    }

    /// The feature distances of `features` (rows of the network's penultimate outputs), if the
    /// flag uses them.
    public func distances(_ rowsOfFeatures: UnsafePointer<Float>, rows: Int) -> [Float]? {
        distanceRule?.distances(rowsOfFeatures, rows: rows)
    }

    /// The distance the flag measures, when it has a threshold for it.
    var distanceRule: FeatureDistance? { maximumDistance == nil ? nil : features }

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
        let energies = fitted.assess(rows: logits, classes: classes).map(\.energy).sorted()
        fitted.maximumEnergy = energies[min(energies.count - 1, Int((Double(energies.count) * (1 - unusualFraction)).rounded(.down)))]
        fitted.validationErrorBefore = expectedCalibrationError(uncalibrated.assess(rows: logits, classes: classes), labels: labels)
        fitted.validationErrorAfter = expectedCalibrationError(fitted.assess(rows: logits, classes: classes), labels: labels)
        return fitted
    }

    /// How a pair of flagging rules does on validation images and validation photos.
    public struct FlagFigures: Codable, Equatable, Sendable {
        /// Share of the Fashion-MNIST validation images flagged.
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

    /// The same temperature with the flagging rules refitted for photos: of the minimum
    /// confidences 0.50, 0.55, …, 0.95, the energy thresholds that flag 1%, 2%, …, 5% of
    /// `fashion` (rows of logits of validation images) and, given `distances`, the feature
    /// distance thresholds of `distanceFractions`, the rules that leave the fewest of `photos`
    /// (rows of logits of validation photos, whose right classes are `photoSets`) confidently
    /// wrong while flagging at most `fashionBudget` of `fashion` — so that the flag catches the
    /// photos the network gets wrong without doubting the images it knows. Returns the rules and
    /// their figures, and the figures of the rules as they were.
    public func refittingFlags(fashion: [Float], photos: [Float], photoSets: [LabelSet], classes: Int,
                               distances: DistanceCandidates? = nil,
                               fashionBudget: Double = 0.04) -> (calibration: Calibration, figures: FlagFigures, before: FlagFigures) {
        precondition(photos.count == photoSets.count * classes && !photoSets.isEmpty && !fashion.isEmpty)
        let fashionAnswers = assess(rows: fashion, classes: classes), photoAnswers = assess(rows: photos, classes: classes)
        let energies = fashionAnswers.map(\.energy).sorted()
        let fashionDistances = distances?.fashion ?? [], photoDistances = distances?.photos ?? []
        let sortedDistances = fashionDistances.sorted()
        func quantile(_ sorted: [Float], flagging fraction: Double) -> Float {
            sorted[min(sorted.count - 1, Int((Double(sorted.count) * (1 - fraction)).rounded(.down)))]
        }
        func figures(_ minimum: Float, _ maximumEnergy: Float?, _ maximumDistance: Float?) -> FlagFigures {
            func flagged(_ a: Assessment, _ distance: Float?) -> Bool {
                if (a.probabilities.max() ?? 0) < minimum || maximumEnergy.map({ a.energy > $0 }) ?? false { return true }
                guard let distance, let maximumDistance else { return false }
                return distance > maximumDistance
            }
            var fashionFlagged = 0
            for (n, answer) in fashionAnswers.enumerated() where flagged(answer, maximumDistance == nil ? nil : fashionDistances[n]) {
                fashionFlagged += 1
            }
            var wrong = 0, none = 0, noneFlagged = 0, right = 0, rightFlagged = 0
            for (n, (answer, rightClasses)) in zip(photoAnswers, photoSets).enumerated() {
                let isFlagged = flagged(answer, maximumDistance == nil ? nil : photoDistances[n])
                if rightClasses.isEmpty { none += 1; if isFlagged { noneFlagged += 1 } }
                if rightClasses.contains(answer.label) {
                    right += 1
                    if isFlagged { rightFlagged += 1 }
                } else if !isFlagged {
                    wrong += 1
                }
            }
            return FlagFigures(fashionFlagged: Double(fashionFlagged) / Double(fashionAnswers.count),
                               photosConfidentlyWrong: Double(wrong) / Double(photoAnswers.count),
                               noneFlagged: none == 0 ? 1 : Double(noneFlagged) / Double(none),
                               rightFlagged: right == 0 ? 0 : Double(rightFlagged) / Double(right))
        }
        var best = (calibration: self, figures: figures(minimumConfidence, maximumEnergy, distances == nil ? nil : maximumDistance))
        let before = best.figures
        let distanceThresholds: [Float?] = distances == nil ? [nil]
            : Self.distanceFractions.map { $0.map { quantile(sortedDistances, flagging: $0) } }
        for step in 0...9 {
            let minimum = 0.5 + Float(step) * 0.05
            for percent in 1...5 {
                let threshold = quantile(energies, flagging: Double(percent) / 100)
                for maximumDistance in distanceThresholds {
                    let candidate = figures(minimum, threshold, maximumDistance)
                    guard candidate.fashionFlagged <= fashionBudget else { continue }
                    let better = best.figures.fashionFlagged > fashionBudget
                        || candidate.photosConfidentlyWrong < best.figures.photosConfidentlyWrong
                        || (candidate.photosConfidentlyWrong == best.figures.photosConfidentlyWrong && candidate.fashionFlagged < best.figures.fashionFlagged)
                    if better {
                        var rules = self
                        rules.minimumConfidence = minimum
                        rules.maximumEnergy = threshold
                        rules.maximumDistance = maximumDistance
                        rules.features = maximumDistance == nil ? nil : distances?.features
                        best = (rules, candidate)
                    }
                }
            }
        }
        best.calibration.photoFlags = best.figures
        return (best.calibration, best.figures, before)
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
