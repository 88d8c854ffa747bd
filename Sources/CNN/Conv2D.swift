/// 2-D cross-correlation over NCHW input, computed as im2col followed by one sgemm per image,
/// with the images of a batch split over threads. A 3×3 convolution of stride 1 and padding 1
/// over 16 or more channels (the shipped network's second and third) computes
/// its output, its input gradient and its weight gradient by Winograd's method instead
/// (`WinogradConvolution`).
///
/// Shapes: input `[C, H, W]`, weight `[F, C, K, K]`, output `[F, OH, OW]` with
/// `OH = (H + 2·padding − K) / stride + 1`. The bias is tied (one per filter, `[F]`), untied (one
/// per output position, `[F, OH, OW]`, as in the seed notebook) or absent.
public final class Conv2D: Layer {
    public enum Bias: String, Codable, Sendable { case tied, untied, none }

    public struct Configuration: Codable, Equatable, Sendable {
        public var filters: Int
        public var kernelSize: Int
        public var stride: Int = 1
        public var padding: Int = 0
        public var bias: Bias = .tied
        public var weightInit: Initializer = .he
        public var biasInit: Initializer = .zeros

        public init(filters: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, bias: Bias = .tied,
                    weightInit: Initializer = .he, biasInit: Initializer = .zeros) {
            self.filters = filters
            self.kernelSize = kernelSize
            self.stride = stride
            self.padding = padding
            self.bias = bias
            self.weightInit = weightInit
            self.biasInit = biasInit
        }
    }

    public let configuration: Configuration
    public let inputShape: [Int]
    public let outputShape: [Int]
    public let weight: Parameter
    public let bias: Parameter?
    /// Set for inference only: a network with an epilogue cannot be trained.
    public let epilogue: Epilogue

    private let channels, height, width, outHeight, outWidth: Int
    /// Input height and width with the padding on both sides.
    private let paddedHeight, paddedWidth: Int
    /// Rows of the im2col matrix (`C·K·K`) and its columns (`OH·OW`).
    private let patchSize, positions: Int
    /// im2col of every image of the last training batch: `[N, C·K·K, OH·OW]` (not by Winograd's method).
    private let columns = Tensor()
    /// The last training batch's input, when computed by Winograd's method: its weight gradient
    /// transforms the input's tiles again.
    private var input = Tensor()
    /// Per-thread im2col (inference) or column-gradient (backward) space: `[threads, C·K·K, OH·OW]`.
    private let scratch = Tensor()
    /// Per-thread output before pooling, when the epilogue pools: `[threads, F, OH, OW]`.
    private let unpooled = Tensor()
    /// Per-thread zero-padded image (forward) or image gradient (backward): `[threads, C, H + 2p, W + 2p]`.
    private let paddedImages = Tensor()
    /// Per-thread partial weight and bias gradients for threads after the first.
    private let partialGradients = Tensor()
    private let output = Tensor()
    private let inputGradient = Tensor()
    /// The forward pass and the weight gradient, and the input gradient (a convolution of the
    /// output gradient with the filters turned), by Winograd's method where the shapes allow it.
    private let winograd: WinogradConvolution?
    private let turnedWinograd: WinogradConvolution?

    public init(_ configuration: Configuration, inputShape: [Int], name: String, epilogue: Epilogue = .none) throws {
        guard inputShape.count == 3 else { throw ArchitectureError("\(name): a convolution needs [channels, height, width] input, not \(inputShape)") }
        let k = configuration.kernelSize, s = configuration.stride, p = configuration.padding
        guard configuration.filters > 0, k > 0, s > 0, p >= 0 else {
            throw ArchitectureError("\(name): filters, kernel size and stride must be positive and padding non-negative")
        }
        channels = inputShape[0]; height = inputShape[1]; width = inputShape[2]
        let limit = ArchitectureLimits.activationsPerImage
        guard k <= limit, p <= limit, s <= limit, configuration.filters <= limit else {
            throw ArchitectureError("\(name): filters, kernel size, stride and padding must each be at most \(limit)")
        }
        guard height + 2 * p >= k, width + 2 * p >= k else {
            throw ArchitectureError("\(name): a \(k)×\(k) kernel does not fit a \(height)×\(width) input with padding \(p)")
        }
        outHeight = (height + 2 * p - k) / s + 1
        outWidth = (width + 2 * p - k) / s + 1
        paddedHeight = height + 2 * p
        paddedWidth = width + 2 * p
        patchSize = channels * k * k
        positions = outHeight * outWidth
        try ArchitectureLimits.activations([channels, paddedHeight, paddedWidth], "\(name): the padded input")
        try ArchitectureLimits.activations([patchSize, positions], "\(name): the patch matrix")
        try ArchitectureLimits.activations([configuration.filters, outHeight, outWidth], "\(name): the output")
        try ArchitectureLimits.parameterCount([configuration.filters, channels, k, k], "\(name): the weight")
        self.configuration = configuration
        self.inputShape = inputShape
        self.epilogue = epilogue
        outputShape = epilogue.outputShape([configuration.filters, outHeight, outWidth])
        let tied = configuration.bias != .untied
        winograd = tied && WinogradConvolution.applies(kernelSize: k, stride: s, padding: p, channels: channels)
            ? WinogradConvolution(channels: channels, filters: configuration.filters, outHeight: outHeight, outWidth: outWidth) : nil
        turnedWinograd = WinogradConvolution.applies(kernelSize: k, stride: s, padding: p, channels: configuration.filters)
            ? WinogradConvolution(channels: configuration.filters, filters: channels, outHeight: height, outWidth: width) : nil
        weight = Parameter(name: "\(name).weight", shape: [configuration.filters, channels, k, k], decays: true)
        switch configuration.bias {
        case .tied: bias = Parameter(name: "\(name).bias", shape: [configuration.filters], decays: false)
        case .untied: bias = Parameter(name: "\(name).bias", shape: outputShape, decays: false)
        case .none: bias = nil
        }
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }
    public var multiplyAdds: Int { configuration.filters * patchSize * positions }

    public func initialize(random: inout RandomSource) {
        let k2 = configuration.kernelSize * configuration.kernelSize
        configuration.weightInit.fill(weight.value, fanIn: channels * k2, fanOut: configuration.filters * k2, random: &random)
        if let bias {
            configuration.biasInit.fill(bias.value, fanIn: channels * k2, fanOut: configuration.filters * k2, random: &random)
        }
    }

    // MARK: forward

    public func forward(_ input: Tensor, context: RunContext) -> Tensor {
        let batch = input.shape[0]
        let filters = configuration.filters
        let chunks = Parallel.chunkCount(batch, threads: context.threads)
        precondition(!context.training || epilogue == .none, "a convolution with an epilogue runs at inference only")
        output.resize(to: [batch] + outputShape)
        if winograd == nil {
            if context.training {
                columns.resize(to: [batch, patchSize, positions])
            } else {
                scratch.resize(to: [chunks, patchSize, positions])
            }
            paddedImages.resize(to: [chunks, channels, paddedHeight, paddedWidth])
            if epilogue == .maxPool2x2ThenReLU { unpooled.resize(to: [chunks, filters, outHeight, outWidth]) }
        }
        if let winograd {
            forward(input, by: winograd, chunks: chunks, training: context.training, threads: context.threads)
            return output
        }
        let x = input.data, y = output.data, w = weight.value.data, paddedData = paddedImages.data
        let imageSize = channels * height * width, columnSize = patchSize * positions
        let paddedSize = channels * paddedHeight * paddedWidth
        let cols = context.training ? columns.data : scratch.data
        let biasValues = bias?.value.data
        let untied = configuration.bias == .untied
        let outputSize = output.itemSize, unpooledData = epilogue == .maxPool2x2ThenReLU ? unpooled.data : nil
        Parallel.chunks(batch, threads: context.threads) { range, chunk in
            for n in range {
                let col = context.training ? cols + n * columnSize : cols + chunk * columnSize
                im2col(fromPadded: pad(x + n * imageSize, into: paddedData + chunk * paddedSize), into: col)
                let out = unpooledData.map { $0 + chunk * filters * positions } ?? y + n * outputSize
                // Starting from the bias and accumulating (beta 1) spares sgemm a pass that
                // zeroes the output, and a pass adding the bias.
                if let b = biasValues {
                    if untied {
                        out.update(from: b, count: filters * positions)
                    } else {
                        for f in 0..<filters { (out + f * positions).update(repeating: b[f], count: positions) }
                    }
                }
                BLAS.gemm(transposeA: false, transposeB: false, m: filters, n: positions, k: patchSize,
                          a: w, lda: patchSize, b: col, ldb: positions, beta: biasValues == nil ? 0 : 1, c: out, ldc: positions)
                applyEpilogue(to: out, into: y + n * outputSize)
            }
        }
        return output
    }

    /// Rectifies one image's output in place, or pools it into `pooled` and rectifies that.
    private func applyEpilogue(to out: UnsafeMutablePointer<Float>, into pooled: UnsafeMutablePointer<Float>) {
        switch epilogue {
        case .none: break
        case .relu: ReLU.rectify(out, into: out, count: configuration.filters * positions)
        case .maxPool2x2ThenReLU:
            let planeOut = (outHeight / 2) * (outWidth / 2)
            for f in 0..<configuration.filters {
                MaxPool2D.maxima2x2(out + f * positions, height: outHeight, width: outWidth, into: pooled + f * planeOut)
            }
            ReLU.rectify(pooled, into: pooled, count: configuration.filters * planeOut)
        }
    }

    private func forward(_ input: Tensor, by winograd: WinogradConvolution, chunks: Int, training: Bool, threads: Int) {
        let batch = input.shape[0], group = WinogradConvolution.imagesPerProduct
        winograd.prepare(weight: weight.value.data, threads: chunks, training: training)
        if training { self.input = input }
        let x = input.data, y = output.data, biasValues = bias?.value.data
        let imageSize = channels * height * width, outputSize = output.itemSize
        Parallel.chunks(batch, threads: threads) { range, chunk in
            for start in stride(from: range.lowerBound, to: range.upperBound, by: group) {
                let images = start ..< min(start + group, range.upperBound)
                for n in images { winograd.transformInput(x + n * imageSize, slot: n - start, thread: chunk) }
                winograd.multiply(count: images.count, thread: chunk)
                for n in images {
                    winograd.transformOutput(slot: n - start, thread: chunk, bias: biasValues, epilogue: epilogue, into: y + n * outputSize)
                }
            }
        }
    }

    /// Lays out every K×K patch of one image as a column: `[C, H, W]` → `[C·K·K, OH·OW]`, from
    /// the image in its frame of zeros (`pad`), which makes every row of the column matrix one
    /// plain copy, with no tests for the border in the loop.
    private func im2col(fromPadded source: UnsafePointer<Float>, into col: UnsafeMutablePointer<Float>) {
        let s = configuration.stride, count = outWidth
        forEachPatchRow { columnRow, paddedOffset in
            let dst = col + columnRow, src = source + paddedOffset
            if s == 1 {
                FloatRun.copy(src, to: dst, count: count)
            } else {
                for ow in 0..<count { dst[ow] = src[ow &* s] }
            }
        }
    }

    /// The image inside a border of `padding` zeros, written to `padded`; the image itself when
    /// there is no padding. Each float of the frame is written once: the zeros that follow an
    /// image row (its right border and the next row's left one, or the bottom rows after the last)
    /// are one run.
    private func pad(_ image: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let p = configuration.padding
        guard p > 0 else { return image }
        let paddedPlane = paddedHeight * paddedWidth
        for c in 0..<channels {
            let plane = padded + c * paddedPlane, source = image + c * height * width
            plane.update(repeating: 0, count: p * paddedWidth + p)
            for h in 0..<height {
                let row = plane + (h + p) * paddedWidth + p
                FloatRun.copy(source + h * width, to: row, count: width)
                (row + width).update(repeating: 0, count: h == height - 1 ? p + p * paddedWidth : 2 * p)
            }
        }
        return UnsafePointer(padded)
    }

    /// Calls `body` with the offset of each image row (channel by channel) in the image and in
    /// the padded image.
    @inline(__always)
    private func forEachImageRow(_ body: (_ imageRow: Int, _ paddedRow: Int) -> Void) {
        let p = configuration.padding
        for c in 0..<channels {
            for h in 0..<height {
                body((c * height + h) * width, (c * paddedHeight + h + p) * paddedWidth + p)
            }
        }
    }

    /// Walks the im2col matrix a row of output positions at a time: for input channel `c`, kernel
    /// offset (`ki`, `kj`) and output row `oh`, calls `body` with the offset of that row in the
    /// column matrix and the offset in the padded image of the pixel under output column 0.
    @inline(__always)
    private func forEachPatchRow(_ body: (_ columnRow: Int, _ paddedOffset: Int) -> Void) {
        let k = configuration.kernelSize, s = configuration.stride
        var columnRow = 0
        for c in 0..<channels {
            for ki in 0..<k {
                for kj in 0..<k {
                    for oh in 0..<outHeight {
                        body(columnRow, (c &* paddedHeight &+ oh &* s &+ ki) &* paddedWidth &+ kj)
                        columnRow &+= outWidth
                    }
                }
            }
        }
    }

    // MARK: backward

    public func backward(_ outputGradient: Tensor, context: RunContext, needsInputGradient: Bool) -> Tensor? {
        let batch = outputGradient.shape[0]
        let filters = configuration.filters
        let chunks = Parallel.chunkCount(batch, threads: context.threads)
        let weightCount = weight.value.count, biasCount = bias?.value.count ?? 0
        let partialSize = weightCount + biasCount
        partialGradients.resize(to: [max(chunks - 1, 1), partialSize])
        if needsInputGradient {
            if let turnedWinograd {
                turnedWinograd.prepare(weight: weight.value.data, turned: true, threads: chunks)
            } else {
                scratch.resize(to: [chunks, patchSize, positions])
                paddedImages.resize(to: [chunks, channels, paddedHeight, paddedWidth])
            }
            inputGradient.resize(to: [batch] + inputShape)
        }
        let paddedData = paddedImages.data, paddedSize = channels * paddedHeight * paddedWidth
        let dy = outputGradient.data, w = weight.value.data, cols = columns.data, x = input.data
        let columnSize = patchSize * positions, imageSize = channels * height * width
        let partials = partialGradients.data, scratchData = scratch.data, dx = inputGradient.data
        let weightGrad = weight.gradient.data, biasGrad = bias?.gradient.data
        let untied = configuration.bias == .untied
        Parallel.chunks(batch, threads: context.threads) { range, chunk in
            // The first chunk writes straight into the parameter gradients; the others into
            // partials that are added afterwards in chunk order, so the sum is deterministic.
            let dw = chunk == 0 ? weightGrad : partials + (chunk - 1) * partialSize
            let db = biasGrad == nil ? nil : chunk == 0 ? biasGrad : partials + (chunk - 1) * partialSize + weightCount
            db?.update(repeating: 0, count: biasCount)
            // A group of images to each of Winograd's products.
            let group = winograd == nil && turnedWinograd == nil ? 1 : WinogradConvolution.imagesPerProduct
            for start in stride(from: range.lowerBound, to: range.upperBound, by: group) {
                let images = start ..< min(start + group, range.upperBound)
                if let winograd {
                    for n in images {
                        winograd.transformOutputGradient(dy + n * filters * positions, slot: n - start, thread: chunk)
                        // The input gradient's transform reads the output gradient as the weight
                        // gradient's has just laid it out, instead of laying it out again.
                        if needsInputGradient { turnedWinograd?.transformInput(laidOutBy: winograd, slot: n - start, thread: chunk) }
                        winograd.transformInput(x + n * imageSize, slot: n - start, thread: chunk)
                    }
                    winograd.accumulateFilterGradient(count: images.count, thread: chunk, first: start == range.lowerBound)
                }
                for n in images {
                    let g = dy + n * filters * positions
                    if winograd == nil {
                        BLAS.gemm(transposeA: false, transposeB: true, m: filters, n: patchSize, k: positions,
                                  a: g, lda: positions, b: cols + n * columnSize, ldb: positions, beta: n == range.lowerBound ? 0 : 1,
                                  c: dw, ldc: patchSize)
                    }
                    if let db {
                        for f in 0..<filters {
                            let row = g + f * positions
                            if untied {
                                let bRow = db + f * positions
                                for i in 0..<positions { bRow[i] += row[i] }
                            } else {
                                var sum: Float = 0
                                for i in 0..<positions { sum += row[i] }
                                db[f] += sum
                            }
                        }
                    }
                }
                guard needsInputGradient else { continue }
                if let turnedWinograd {
                    if winograd == nil {
                        for n in images { turnedWinograd.transformInput(dy + n * filters * positions, slot: n - start, thread: chunk) }
                    }
                    turnedWinograd.multiply(count: images.count, thread: chunk)
                    for n in images { turnedWinograd.transformOutput(slot: n - start, thread: chunk, bias: nil, into: dx + n * imageSize) }
                } else {
                    let dcol = scratchData + chunk * columnSize
                    for n in images {
                        BLAS.gemm(transposeA: true, transposeB: false, m: patchSize, n: positions, k: filters,
                                  a: w, lda: patchSize, b: dy + n * filters * positions, ldb: positions, beta: 0, c: dcol, ldc: positions)
                        col2im(dcol, into: dx + n * imageSize, padded: paddedData + chunk * paddedSize)
                    }
                }
            }
            winograd?.filterGradient(thread: chunk, into: dw)
        }
        for chunk in 1..<max(chunks, 1) {
            let partial = partials + (chunk - 1) * partialSize
            for i in 0..<weightCount { weightGrad[i] += partial[i] }
            if let biasGrad {
                for i in 0..<biasCount { biasGrad[i] += partial[weightCount + i] }
            }
        }
        return needsInputGradient ? inputGradient : nil
    }

    /// The adjoint of `im2col`: adds each column entry back onto the input pixel it came from.
    /// Entries that fall on the padding are summed there and dropped; every pixel inside receives
    /// its entries in the same order as without padding.
    private func col2im(_ col: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>, padded: UnsafeMutablePointer<Float>) {
        let p = configuration.padding
        let target = p == 0 ? image : padded
        target.update(repeating: 0, count: channels * paddedHeight * paddedWidth)
        let s = configuration.stride, count = outWidth
        forEachPatchRow { columnRow, paddedOffset in
            let src = col + columnRow, dst = target + paddedOffset
            if s == 1 {
                FloatRun.add(src, to: dst, count: count)
            } else {
                for ow in 0..<count { dst[ow &* s] += src[ow] }
            }
        }
        guard p > 0 else { return }
        forEachImageRow { imageRow, paddedRow in
            FloatRun.copy(padded + paddedRow, to: image + imageRow, count: width)
        }
    }
}
