import Foundation

/// Softmax followed by cross-entropy against integer labels, as one numerically stable step:
/// `loss = logsumexp(z) − Σ t·z` and `∂loss/∂z = softmax(z) − t`, where the target `t` is the
/// label's one-hot vector, or with label smoothing ε (Szegedy et al., 2016) `(1 − ε)·onehot + ε/K`:
/// the network is not pushed towards ever larger logits for images it already gets right.
public final class SoftmaxCrossEntropy {
    /// `∂(mean loss)/∂logits` for the last batch: `[N, classes]`.
    public let gradient = Tensor()
    public let smoothing: Float

    public init(smoothing: Float = 0) {
        precondition(smoothing >= 0 && smoothing < 1)
        self.smoothing = smoothing
    }

    public struct BatchResult {
        /// Sum (not mean) of the per-item losses, so that results over batches add up.
        public var lossSum: Double
        /// Items whose highest logit is their label.
        public var correct: Int
    }

    /// Loss and accuracy for a batch of logits, and the gradient of the mean loss.
    public func evaluate(logits: Tensor, labels: UnsafeBufferPointer<Int32>) -> BatchResult {
        let batch = logits.shape[0], classes = logits.shape[1]
        gradient.resize(to: logits.shape)
        let z = logits.data, g = gradient.data
        var result = BatchResult(lossSum: 0, correct: 0)
        let invBatch = 1 / Float(batch)
        let spread = smoothing / Float(classes), onLabel = 1 - smoothing
        for n in 0..<batch {
            let row = z + n * classes, gRow = g + n * classes
            let label = Int(labels[n])
            let (maxValue, best) = Self.argmax(row, classes)
            var sum: Float = 0, logitSum: Float = 0
            for c in 0..<classes {
                gRow[c] = exp(row[c] - maxValue)
                sum += gRow[c]
                logitSum += row[c]
            }
            let target = smoothing == 0 ? row[label] : onLabel * row[label] + spread * logitSum
            result.lossSum += Double(log(sum) + maxValue - target)
            if best == label { result.correct += 1 }
            let scale = invBatch / sum
            for c in 0..<classes { gRow[c] = gRow[c] * scale - spread * invBatch }
            gRow[label] -= onLabel * invBatch
        }
        return result
    }

    /// The largest value of a row and its first index.
    public static func argmax(_ row: UnsafePointer<Float>, _ count: Int) -> (Float, Int) {
        var best = 0
        for c in 1..<count where row[c] > row[best] { best = c }
        return (row[best], best)
    }
}
