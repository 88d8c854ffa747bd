import CNN

/// Where the network looks (Zeiler & Fergus, 2014): cover a small square of the input with the
/// background and measure how much the answer's log-probability drops (the log, because a
/// probability near 1 hardly moves when the evidence weakens). Each pixel's saliency is the mean
/// drop over the squares covering it; covering what the answer rests on lowers it most.
public struct OcclusionSaliency {
    public var patch = 6
    public var stride = 2

    public init(patch: Int = 6, stride: Int = 2) {
        self.patch = patch
        self.stride = stride
    }

    /// The saliency of each pixel of `input` (`side × side` network input values) for class `label`.
    public func map(_ input: [Float], side: Int, label: Int, network: Network, calibration: Calibration, threads: Int) -> [Float] {
        let starts = Array(Swift.stride(from: 0, through: side - patch, by: self.stride))
        let squares = starts.flatMap { y in starts.map { x in (x, y) } }
        let batch = Tensor(shape: [squares.count + 1, 1, side, side])
        for n in 0...squares.count {
            (batch.data + n * side * side).update(from: input, count: side * side)
        }
        for (n, (x, y)) in squares.enumerated() {
            let image = batch.data + (n + 1) * side * side
            for yy in y ..< y + patch { (image + yy * side + x).update(repeating: 0, count: patch) }
        }
        let logits = network.forward(batch, context: RunContext(training: false, threads: threads))
        let classes = logits.shape[1]
        // log p = z/T − log Σ exp(z/T), and the energy is −T · log Σ exp(z/T).
        let logProbability = (0...squares.count).map { n in
            let row = UnsafeBufferPointer(start: logits.data + n * classes, count: classes)
            return (row[label] + calibration.assess(row).energy) / calibration.temperature
        }
        var drop = [Float](repeating: 0, count: side * side), cover = [Float](repeating: 0, count: side * side)
        for (n, (x, y)) in squares.enumerated() {
            for yy in y ..< y + patch {
                for xx in x ..< x + patch {
                    drop[yy * side + xx] += logProbability[0] - logProbability[n + 1]
                    cover[yy * side + xx] += 1
                }
            }
        }
        return zip(drop, cover).map { $1 > 0 ? max(0, $0 / $1) : 0 }
    }
}
