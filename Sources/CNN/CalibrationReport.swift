import Foundation

/// How well the probabilities match the accuracy, and what the low-confidence flag catches.
public struct CalibrationReport: Codable, Sendable {
    public var temperature: Float
    /// Expected calibration error with plain softmax and with the model's temperature.
    public var errorBefore: Double
    public var errorAfter: Double
    public var images: Int
    public var flagged: Int
    public var flaggedAccuracy: Double?
    public var unflaggedAccuracy: Double?

    /// `answers` with the model's calibration, `plain` with plain softmax, for the same images.
    public init(_ calibration: Calibration, answers: [Calibration.Assessment], plain: [Calibration.Assessment], labels: [Int]) {
        temperature = calibration.temperature
        images = labels.count
        errorBefore = Calibration.expectedCalibrationError(plain, labels: labels)
        errorAfter = Calibration.expectedCalibrationError(answers, labels: labels)
        var counts = (flagged: 0, flaggedRight: 0, unflaggedRight: 0)
        for (answer, label) in zip(answers, labels) {
            let right = answer.label == label
            if answer.lowConfidence {
                counts.flagged += 1
                if right { counts.flaggedRight += 1 }
            } else if right {
                counts.unflaggedRight += 1
            }
        }
        flagged = counts.flagged
        flaggedAccuracy = flagged == 0 ? nil : Double(counts.flaggedRight) / Double(flagged)
        unflaggedAccuracy = flagged == labels.count ? nil : Double(counts.unflaggedRight) / Double(labels.count - flagged)
    }
}

/// A wrong answer, for showing the worst: the image's index, the class said and its probability.
public struct RankedMistake: Equatable, Sendable {
    public var index: Int
    public var predicted: Int
    public var probability: Float

    /// The wrong answers among `answers`, most probable first (ties by index), at most `limit`.
    public static func mostConfident(_ answers: [Calibration.Assessment], labels: [Int], limit: Int) -> (worst: [RankedMistake], total: Int) {
        let mistakes = zip(answers, labels).enumerated().filter { $0.element.0.label != $0.element.1 }.map {
            RankedMistake(index: $0.offset, predicted: $0.element.0.label, probability: $0.element.0.probabilities[$0.element.0.label])
        }
        let worst = mistakes.sorted { $0.probability != $1.probability ? $0.probability > $1.probability : $0.index < $1.index }
        return (Array(worst.prefix(limit)), mistakes.count)
    }
}
