/// 2-D cross-correlation over NCHW input, computed as im2col followed by one sgemm per block of
/// images, with the batch split over threads.
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

    private let channels, height, width, outHeight, outWidth: Int
    /// Rows of the im2col matrix (`C·K·K`) and its columns (`OH·OW`).
    private let patchSize, positions: Int
    /// im2col of the last training batch. Images are taken in blocks (see `blocks`); block `b`
    /// of `n` images starting at image `s` is stored at offset `s·C·K·K·OH·OW` as a
    /// `[C·K·K, n·OH·OW]` matrix, so one sgemm covers the whole block.
    private let columns = Tensor()
    /// Per-thread working space: im2col of a block (inference), or the column gradient of a block
    /// (backward), then the block's output or output gradient in `[F, n·OH·OW]` layout.
    private let scratch = Tensor()
    /// Per-thread partial weight and bias gradients for threads after the first.
    private let partialGradients = Tensor()
    private let output = Tensor()
    private let inputGradient = Tensor()

    public init(_ configuration: Configuration, inputShape: [Int], name: String) throws {
        guard inputShape.count == 3 else { throw ArchitectureError("\(name): a convolution needs [channels, height, width] input, not \(inputShape)") }
        let k = configuration.kernelSize, s = configuration.stride, p = configuration.padding
        guard configuration.filters > 0, k > 0, s > 0, p >= 0 else {
            throw ArchitectureError("\(name): filters, kernel size and stride must be positive and padding non-negative")
        }
        channels = inputShape[0]; height = inputShape[1]; width = inputShape[2]
        guard height + 2 * p >= k, width + 2 * p >= k else {
            throw ArchitectureError("\(name): a \(k)×\(k) kernel does not fit a \(height)×\(width) input with padding \(p)")
        }
        outHeight = (height + 2 * p - k) / s + 1
        outWidth = (width + 2 * p - k) / s + 1
        patchSize = channels * k * k
        positions = outHeight * outWidth
        self.configuration = configuration
        self.inputShape = inputShape
        outputShape = [configuration.filters, outHeight, outWidth]
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

    /// Images per sgemm: enough that the product's `n` dimension is around 4,096 columns, which
    /// sgemm handles far more efficiently than one small image at a time.
    private var blockImages: Int { max(1, 4096 / positions) }

    /// The blocks of images of one thread's chunk.
    private func blocks(_ range: Range<Int>) -> StrideTo<Int> { stride(from: range.lowerBound, to: range.upperBound, by: blockImages) }

    private var scratchPerThread: Int { (patchSize + configuration.filters) * blockImages * positions }

    public func forward(_ input: Tensor, context: RunContext) -> Tensor {
        let batch = input.shape[0]
        let filters = configuration.filters
        output.resize(to: [batch] + outputShape)
        if context.training { columns.resize(to: [batch, patchSize, positions]) }
        scratch.resize(to: [Parallel.chunkCount(batch, threads: context.threads), scratchPerThread])
        let x = input.data, y = output.data, w = weight.value.data
        let imageSize = channels * height * width, columnSize = patchSize * positions
        let biasValues = bias?.value.data
        let untied = configuration.bias == .untied
        Parallel.chunks(batch, threads: context.threads) { range, chunk in
            let space = scratch.data + chunk * scratchPerThread
            for first in blocks(range) {
                let n = min(blockImages, range.upperBound - first), width = n * positions
                let col = context.training ? columns.data + first * columnSize : space
                for i in 0..<n { im2col(x + (first + i) * imageSize, into: col + i * positions, rowStride: width) }
                // out[f, i·P + p] for the block, then scattered to NCHW with the bias added.
                let product = space + patchSize * width
                BLAS.gemm(transposeA: false, transposeB: false, m: filters, n: width, k: patchSize,
                          a: w, lda: patchSize, b: col, ldb: width, beta: 0, c: product, ldc: width)
                for i in 0..<n {
                    for f in 0..<filters {
                        let src = product + f * width + i * positions
                        let dst = y + ((first + i) * filters + f) * positions
                        if let b = biasValues {
                            if untied {
                                let bRow = b + f * positions
                                for p in 0..<positions { dst[p] = src[p] + bRow[p] }
                            } else {
                                let value = b[f]
                                for p in 0..<positions { dst[p] = src[p] + value }
                            }
                        } else {
                            dst.update(from: src, count: positions)
                        }
                    }
                }
            }
        }
        return output
    }

    /// Lays out every K×K patch of one image as a column: `[C, H, W]` → `[C·K·K, OH·OW]`, row `r`
    /// of the result at `col + r·rowStride`.
    private func im2col(_ image: UnsafePointer<Float>, into col: UnsafeMutablePointer<Float>, rowStride: Int) {
        let k = configuration.kernelSize, s = configuration.stride, pad = configuration.padding
        for c in 0..<channels {
            let plane = image + c * height * width
            for ki in 0..<k {
                for kj in 0..<k {
                    let row = col + ((c * k + ki) * k + kj) * rowStride
                    let (lo, hi) = validOutputRange(offset: kj, extent: width, outExtent: outWidth)
                    for oh in 0..<outHeight {
                        let dst = row + oh * outWidth
                        let ih = oh * s + ki - pad
                        guard ih >= 0 && ih < height && lo < hi else {
                            dst.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let src = plane + ih * width + kj - pad
                        if lo > 0 { dst.update(repeating: 0, count: lo) }
                        if s == 1 {
                            (dst + lo).update(from: src + lo, count: hi - lo)
                        } else {
                            for ow in lo..<hi { dst[ow] = src[ow * s] }
                        }
                        if hi < outWidth { (dst + hi).update(repeating: 0, count: outWidth - hi) }
                    }
                }
            }
        }
    }

    /// The output columns `lo..<hi` whose input column `ow·stride + offset − padding` is inside
    /// the image.
    private func validOutputRange(offset: Int, extent: Int, outExtent: Int) -> (Int, Int) {
        let s = configuration.stride, pad = configuration.padding
        var lo = 0
        while lo < outExtent && lo * s + offset - pad < 0 { lo += 1 }
        var hi = outExtent
        while hi > lo && (hi - 1) * s + offset - pad >= extent { hi -= 1 }
        return (lo, hi)
    }

    // MARK: backward

    public func backward(_ outputGradient: Tensor, context: RunContext, needsInputGradient: Bool) -> Tensor? {
        let batch = outputGradient.shape[0]
        let filters = configuration.filters
        let chunks = Parallel.chunkCount(batch, threads: context.threads)
        let weightCount = weight.value.count, biasCount = bias?.value.count ?? 0
        let partialSize = weightCount + biasCount
        partialGradients.resize(to: [max(chunks - 1, 1), partialSize])
        scratch.resize(to: [chunks, scratchPerThread])
        if needsInputGradient { inputGradient.resize(to: [batch] + inputShape) }
        let dy = outputGradient.data, w = weight.value.data
        let columnSize = patchSize * positions, imageSize = channels * height * width
        let partials = partialGradients.data, dx = inputGradient.data
        let weightGrad = weight.gradient.data, biasGrad = bias?.gradient.data
        let untied = configuration.bias == .untied
        Parallel.chunks(batch, threads: context.threads) { range, chunk in
            // The first chunk writes straight into the parameter gradients; the others into
            // partials that are added afterwards in chunk order, so the sum is deterministic.
            let dw = chunk == 0 ? weightGrad : partials + (chunk - 1) * partialSize
            let db = biasGrad == nil ? nil : chunk == 0 ? biasGrad : partials + (chunk - 1) * partialSize + weightCount
            db?.update(repeating: 0, count: biasCount)
            let space = scratch.data + chunk * scratchPerThread
            for first in blocks(range) {
                let n = min(blockImages, range.upperBound - first), width = n * positions
                // The block's output gradient as [F, n·P], to match its columns.
                let g = space + patchSize * width
                for i in 0..<n {
                    for f in 0..<filters {
                        (g + f * width + i * positions).update(from: dy + ((first + i) * filters + f) * positions, count: positions)
                    }
                }
                let col = columns.data + first * columnSize
                BLAS.gemm(transposeA: false, transposeB: true, m: filters, n: patchSize, k: width,
                          a: g, lda: width, b: col, ldb: width, beta: first == range.lowerBound ? 0 : 1, c: dw, ldc: patchSize)
                if let db {
                    for f in 0..<filters {
                        let row = g + f * width
                        for i in 0..<n {
                            let image = row + i * positions
                            if untied {
                                let bRow = db + f * positions
                                for p in 0..<positions { bRow[p] += image[p] }
                            } else {
                                var sum: Float = 0
                                for p in 0..<positions { sum += image[p] }
                                db[f] += sum
                            }
                        }
                    }
                }
                guard needsInputGradient else { continue }
                let dcol = space
                BLAS.gemm(transposeA: true, transposeB: false, m: patchSize, n: width, k: filters,
                          a: w, lda: patchSize, b: g, ldb: width, beta: 0, c: dcol, ldc: width)
                for i in 0..<n { col2im(dcol + i * positions, rowStride: width, into: dx + (first + i) * imageSize) }
            }
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
    private func col2im(_ col: UnsafePointer<Float>, rowStride: Int, into image: UnsafeMutablePointer<Float>) {
        let k = configuration.kernelSize, s = configuration.stride, pad = configuration.padding
        image.update(repeating: 0, count: channels * height * width)
        for c in 0..<channels {
            let plane = image + c * height * width
            for ki in 0..<k {
                for kj in 0..<k {
                    let row = col + ((c * k + ki) * k + kj) * rowStride
                    let (lo, hi) = validOutputRange(offset: kj, extent: width, outExtent: outWidth)
                    for oh in 0..<outHeight {
                        let ih = oh * s + ki - pad
                        guard ih >= 0 && ih < height else { continue }
                        let src = row + oh * outWidth
                        let dst = plane + ih * width + kj - pad
                        if s == 1 {
                            for ow in lo..<hi { dst[ow] += src[ow] }
                        } else {
                            for ow in lo..<hi { dst[ow * s] += src[ow] }
                        }
                    }
                }
            }
        }
    }
}
