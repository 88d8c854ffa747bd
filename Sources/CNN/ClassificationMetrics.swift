import Foundation

/// Accuracy with its confidence interval, per-class precision, recall and F1, and the confusion
/// matrix of a set of predictions.
public struct ClassificationMetrics: Codable, Equatable, Sendable {
    public struct ClassFigures: Codable, Equatable, Sendable {
        public var name: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        /// Items whose true label is this class.
        public var support: Int
    }

    public var total: Int
    public var correct: Int
    public var accuracy: Double
    /// Wilson score interval at 95% for the accuracy.
    public var accuracyInterval: [Double]
    public var classes: [ClassFigures]
    /// `confusion[truth][prediction]`.
    public var confusion: [[Int]]

    public init(classNames: [String], labels: [Int], predictions: [Int]) {
        precondition(labels.count == predictions.count)
        let k = classNames.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        for (truth, guess) in zip(labels, predictions) { confusion[truth][guess] += 1 }
        total = labels.count
        correct = (0..<k).reduce(0) { $0 + confusion[$1][$1] }
        accuracy = total == 0 ? 0 : Double(correct) / Double(total)
        accuracyInterval = Self.wilsonInterval(successes: correct, trials: total)
        classes = (0..<k).map { c in
            let truePositives = Double(confusion[c][c])
            let predicted = Double((0..<k).reduce(0) { $0 + confusion[$1][c] })
            let actual = confusion[c].reduce(0, +)
            let precision = predicted == 0 ? 0 : truePositives / predicted
            let recall = actual == 0 ? 0 : truePositives / Double(actual)
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            return ClassFigures(name: classNames[c], precision: precision, recall: recall, f1: f1, support: actual)
        }
        self.confusion = confusion
    }

    /// Metrics of the highest logit of each row (`labels.count` rows of one logit per class).
    public init(classNames: [String], labels: [Int], logits: [Float]) {
        let k = classNames.count
        precondition(logits.count == labels.count * k)
        let predictions = logits.withUnsafeBufferPointer { all in
            labels.indices.map { SoftmaxCrossEntropy.argmax(all.baseAddress! + $0 * k, k).1 }
        }
        self.init(classNames: classNames, labels: labels, predictions: predictions)
    }

    /// The Wilson score interval, which stays inside [0, 1] and behaves near 0% and 100%.
    public static func wilsonInterval(successes: Int, trials: Int, z: Double = 1.959964) -> [Double] {
        guard trials > 0 else { return [0, 1] }
        let n = Double(trials), p = Double(successes) / n
        let denominator = 1 + z * z / n
        let centre = (p + z * z / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / denominator
        return [max(0, centre - half), min(1, centre + half)]
    }
}
