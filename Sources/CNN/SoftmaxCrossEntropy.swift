import Foundation

/// Softmax followed by a cross-entropy, as one numerically stable step, against the classes that
/// are right for each image (`LabelSet`):
/// - one class: `loss = logsumexp(z) − Σ t·z`, `∂loss/∂z = softmax(z) − t`, where `t` is the
///   one-hot vector, or with label smoothing ε (Szegedy et al., 2016) `(1 − ε)·onehot + ε/K`: the
///   network is not pushed towards ever larger logits for images it already gets right;
/// - several classes: the partial-label loss `−log Σ_{c∈S} p_c = logsumexp(z) − logsumexp(z_S)`,
///   whose gradient is `softmax(z) − q` with `q` the softmax restricted to `S`: any mix of the
///   right classes is as good, and the network learns which from the images themselves;
/// - no class ("none of these"): cross-entropy to the uniform distribution, gradient
///   `softmax(z) − 1/K`, so that such images come out uncertain (outlier exposure, Hendrycks,
///   Mazeika and Dietterich, 2019).
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
        /// Items whose highest logit is one of their right classes.
        public var correct: Int
    }

    /// Loss and accuracy for a batch of logits, and the gradient of the mean loss.
    public func evaluate(logits: Tensor, labels: UnsafeBufferPointer<Int32>) -> BatchResult {
        evaluate(logits: logits, count: labels.count) { LabelSet(label: Int(labels[$0])) }
    }

    /// The same against sets of right classes.
    public func evaluate(logits: Tensor, targets: UnsafeBufferPointer<LabelSet>) -> BatchResult {
        evaluate(logits: logits, count: targets.count) { targets[$0] }
    }

    private func evaluate(logits: Tensor, count: Int, target: (Int) -> LabelSet) -> BatchResult {
        let batch = logits.shape[0], classes = logits.shape[1]
        precondition(count == batch)
        gradient.resize(to: logits.shape)
        let z = logits.data, g = gradient.data
        var result = BatchResult(lossSum: 0, correct: 0)
        let invBatch = 1 / Float(batch)
        for n in 0..<batch {
            let row = z + n * classes, gRow = g + n * classes
            let right = target(n)
            let (maxValue, best) = Self.argmax(row, classes)
            var sum: Float = 0, logitSum: Float = 0
            for c in 0..<classes {
                gRow[c] = exp(row[c] - maxValue)
                sum += gRow[c]
                logitSum += row[c]
            }
            let logSumExp = log(sum) + maxValue
            if right.contains(best) { result.correct += 1 }
            let scale = invBatch / sum
            if let label = right.single {
                let spread = smoothing / Float(classes), onLabel = 1 - smoothing
                let targetLogit = smoothing == 0 ? row[label] : onLabel * row[label] + spread * logitSum
                result.lossSum += Double(logSumExp - targetLogit)
                for c in 0..<classes { gRow[c] = gRow[c] * scale - spread * invBatch }
                gRow[label] -= onLabel * invBatch
            } else if right.isEmpty {
                result.lossSum += Double(logSumExp - logitSum / Float(classes))
                for c in 0..<classes { gRow[c] = gRow[c] * scale - invBatch / Float(classes) }
            } else {
                // logsumexp over the right classes, from their own largest logit so that it
                // cannot underflow however far below the overall largest they are.
                var setMax = -Float.infinity
                for c in 0..<classes where right.contains(c) { setMax = max(setMax, row[c]) }
                var setSum: Float = 0
                for c in 0..<classes where right.contains(c) { setSum += exp(row[c] - setMax) }
                let setLogSumExp = log(setSum) + setMax
                result.lossSum += Double(logSumExp - setLogSumExp)
                for c in 0..<classes {
                    gRow[c] = gRow[c] * scale - (right.contains(c) ? exp(row[c] - setLogSumExp) * invBatch : 0)
                }
            }
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

extension Array where Element == Float {
    /// The index of the first largest value (0 for an empty array): the answer a row of
    /// probabilities or logits gives, the same everywhere it is asked.
    public var argmax: Int {
        isEmpty ? 0 : withUnsafeBufferPointer { SoftmaxCrossEntropy.argmax($0.baseAddress!, $0.count).1 }
    }
}
