extension Network {
    /// Runs the network over `images` in batches and hands each batch's logits (`[n, classes]`,
    /// valid only during the call) to `body` with the index of the batch's first image.
    public func forEachBatchOfLogits(_ images: LabeledImages, scale: Float, batchSize: Int = 256, threads: Int,
                                     _ body: (Int, Tensor, UnsafeBufferPointer<Int32>) -> Void) {
        let input = Tensor()
        var labels: [Int32] = []
        let context = RunContext(training: false, threads: threads)
        for start in stride(from: 0, to: images.count, by: batchSize) {
            images.fill(input, labels: &labels, indices: start ..< min(start + batchSize, images.count), scale: scale)
            let logits = forward(input, context: context)
            labels.withUnsafeBufferPointer { body(start, logits, $0) }
        }
    }

    /// Mean cross-entropy loss and accuracy over `images`.
    public func measure(_ images: LabeledImages, scale: Float, threads: Int) -> (loss: Double, accuracy: Double) {
        let loss = SoftmaxCrossEntropy()
        var lossSum = 0.0, correct = 0
        forEachBatchOfLogits(images, scale: scale, threads: threads) { _, logits, labels in
            let result = loss.evaluate(logits: logits, labels: labels)
            lossSum += result.lossSum
            correct += result.correct
        }
        let n = Double(max(images.count, 1))
        return (lossSum / n, Double(correct) / n)
    }
}
