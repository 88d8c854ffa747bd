extension Network {
    /// Runs the network over `images` in batches and hands each batch's logits (`[n, classes]`,
    /// valid only during the call) to `body` with the index of the batch's first image.
    public func forEachBatchOfLogits(_ images: LabeledImages, scale: Float, batchSize: Int = 256, threads: Int,
                                     _ body: (Int, Tensor, UnsafeBufferPointer<Int32>) -> Void) {
        forEachBatchOfOutputs(images, scale: scale, batchSize: batchSize, threads: threads) { start, outputs, labels in
            body(start, outputs.logits, labels)
        }
    }

    /// The same with each batch's features (`[n, featureWidth]`) beside its logits.
    private func forEachBatchOfOutputs(_ images: LabeledImages, scale: Float, batchSize: Int = 256, threads: Int,
                                       _ body: (Int, (features: Tensor, logits: Tensor), UnsafeBufferPointer<Int32>) -> Void) {
        let input = Tensor()
        var labels: [Int32] = []
        let context = RunContext(training: false, threads: threads)
        for start in stride(from: 0, to: images.count, by: batchSize) {
            images.fill(input, labels: &labels, indices: start ..< min(start + batchSize, images.count), scale: scale)
            let outputs = forwardKeepingFeatures(input, context: context)
            labels.withUnsafeBufferPointer { body(start, outputs, $0) }
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

    /// The logits of every image, row after row (`images.count × classCount` values).
    public func logits(_ images: LabeledImages, scale: Float, threads: Int) -> [Float] {
        var logits: [Float] = []
        logits.reserveCapacity(images.count * classCount)
        forEachBatchOfLogits(images, scale: scale, threads: threads) { _, batch, _ in
            logits.append(contentsOf: UnsafeBufferPointer(start: batch.data, count: batch.count))
        }
        return logits
    }

    /// The features (`images.count × featureWidth` values) and logits of every image.
    public func featuresAndLogits(_ images: LabeledImages, scale: Float, threads: Int) -> (features: [Float], logits: [Float]) {
        var features: [Float] = [], logits: [Float] = []
        features.reserveCapacity(images.count * featureWidth)
        logits.reserveCapacity(images.count * classCount)
        forEachBatchOfOutputs(images, scale: scale, threads: threads) { _, outputs, _ in
            features.append(contentsOf: UnsafeBufferPointer(start: outputs.features.data, count: outputs.features.count))
            logits.append(contentsOf: UnsafeBufferPointer(start: outputs.logits.data, count: outputs.logits.count))
        }
        return (features, logits)
    }

    /// The same function for inference, computed with fewer passes over the activations: each
    /// batch normalisation that follows a convolution is folded into that convolution's weights
    /// and bias, and the ReLU, or 2×2 pooling and ReLU, after a convolution become its epilogue
    /// (`Epilogue`). The same outputs up to the folding's rounding (the epilogues change
    /// no value). Networks with nothing to fold or fuse come back as they are. The layers it does
    /// not fold share this network's weights instead of copying them (copying `fashion`'s 3 MB
    /// dense layer into fresh pages cost one image's start-up a millisecond or two of page
    /// faults): changing either network's weights changes both.
    public func preparedForInference() throws -> Network {
        var specs: [LayerSpec] = []
        var index = 0
        while index < architecture.layers.count {
            if case .conv2D(var conv) = architecture.layers[index], index + 1 < architecture.layers.count,
               case .batchNorm2D = architecture.layers[index + 1] {
                if conv.bias == .none { conv.bias = .tied }
                specs.append(.conv2D(conv))
                index += 2
            } else {
                specs.append(architecture.layers[index])
                index += 1
            }
        }
        let prepared = try Network(Architecture(name: architecture.name, inputShape: architecture.inputShape, layers: specs),
                                   fusingEpilogues: true)
        guard prepared.layers.count < layers.count else { return self }
        var source = 0
        for target in prepared.layers {
            if let conv = layers[source] as? Conv2D, source + 1 < layers.count, let norm = layers[source + 1] as? BatchNorm2D {
                // The convolution's epilogue is the one the batch normalisation had taken.
                Self.fold(conv, norm, into: target as! Conv2D)
                source += 2
            } else {
                Self.share(layers[source], with: target)
                source += 1 + ((target as? Conv2D)?.epilogue.layersTakenOver ?? 0)
            }
        }
        return prepared
    }

    /// `a·(W∗x + b) + c = (a·W)∗x + (a·b + c)`, per output channel.
    private static func fold(_ conv: Conv2D, _ norm: BatchNorm2D, into target: Conv2D) {
        let (a, c) = norm.inferenceAffine
        let filters = a.count
        let weightsPerFilter = conv.weight.value.count / filters
        let biasPerFilter = target.bias!.value.count / filters
        for f in 0..<filters {
            for i in 0..<weightsPerFilter {
                target.weight.value[f * weightsPerFilter + i] = a[f] * conv.weight.value[f * weightsPerFilter + i]
            }
            for i in 0..<biasPerFilter {
                let b = conv.bias.map { $0.value[f * biasPerFilter + i] } ?? 0
                target.bias!.value[f * biasPerFilter + i] = a[f] * b + c[f]
            }
        }
    }
}
