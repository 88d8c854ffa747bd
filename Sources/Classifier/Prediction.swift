import CNN

/// What the network said about one input.
public struct Prediction: Sendable {
    public var input: ClassifierInput
    /// One probability per class, in label order; they sum to 1.
    public var probabilities: [Float]
    /// The top probability is below the model's minimum confidence.
    public var uncertain: Bool = false
    /// The input is unlike the training images (see `Calibration`), or preprocessing found no object in it.
    public var unusual: Bool = false

    /// Either reason to doubt the answer.
    public var lowConfidence: Bool { uncertain || unusual }

    public var label: Int { probabilities.argmax }
    public var probability: Float { probabilities[label] }

    /// Class indices from most to least probable (ties by label).
    public var ranking: [Int] {
        probabilities.indices.sorted { probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1 }
    }
}
