import CKernels
import Foundation

/// Winograd's F(7×7, 3×3) for a 3×3 convolution of stride 1 and padding 1: each 9×9 tile of the
/// padded image (tiles overlap by two) becomes 81 numbers `Bᵀ d B`, each filter `G g Gᵀ`, and 81
/// products `[tiles × C] · [C × F]` give each tile's 7×7 outputs, `Aᵀ m A`: 5.4 times fewer
/// multiplications than im2col, for the same outputs up to rounding (a relative error of about
/// 2·10⁻⁵ in float: its transforms multiply by up to 64 and divide by up to 4,096). On the shipped
/// network's 14×14 planes four tiles cover them exactly: 1.78 times fewer multiplications than
/// F(4×4, 3×3), whose sixteen tiles of 4×4 cover 16×16, and which this project used before
/// (`docs/performance.md`).
///
/// The transforms are `CKernels`' (`ck_wf7_*`), sixteen channels or filters at a time in vectors
/// as wide as the processor has, which is why they are in C. The products take the tiles as rows
/// (`[tiles × C] · [C × F]`), the shape OpenBLAS's small-matrix kernel runs at full speed.
/// It computes a forward pass, an input gradient (with the filters turned) and a weight
/// gradient, the last as `dU = Vᵀ · dM` for each of the 81: `dM = A dy Aᵀ` is each output tile's
/// gradient taken back through `Aᵀ m A` and `V` the transformed input tiles, transformed again
/// from the layer's input (keeping them from the forward pass for a whole batch, 1.7 times the
/// input's size, would cost more in memory traffic), and the filter's `Gᵀ dU G`. The convolution
/// is the same linear function of the filter whichever way it is computed, so this is its exact
/// gradient, to rounding.
final class WinogradConvolution {
    static let imagesPerProduct = 4

    /// Outputs along each side of a tile, and values in a tile's transform.
    static let tileSide = 7
    static let elements = (tileSide + 2) * (tileSide + 2)

    /// Whether a convolution of this shape can be computed this way, and gains from it (with few
    /// input channels the products are too thin for the transforms to pay).
    static func applies(kernelSize: Int, stride: Int, padding: Int, channels: Int) -> Bool {
        kernelSize == 3 && stride == 1 && padding == 1 && channels >= 16
    }

    private let channels, filters, outHeight, outWidth: Int
    /// Channels and filters rounded up to whole vectors: the products' sides.
    private let paddedChannels, paddedFilters: Int
    private let tilesY, tilesX, tiles: Int
    /// One thread's image, channels last in its frame of zeros.
    private let paddedSize: Int
    /// `[81, paddedChannels, paddedFilters]`, made from the weights.
    private let transformedFilters: Tensor
    /// The weight `transformedFilters` were made from, and whether turned: at inference the
    /// weights stay the same from one batch to the next, and comparing costs less than transforming.
    private var transformedWeight: [Float] = []
    private var transformedTurned = false
    /// Per thread: 81 × `[imagesPerProduct · tiles, paddedChannels]`, `inputStride` apart.
    private let transformedInputs = Tensor()
    /// Per thread: 81 × `[imagesPerProduct · tiles, paddedFilters]`, `productStride` apart.
    private let products = Tensor()
    private let paddedImages = Tensor()
    /// In training, per thread: one image's output gradient laid out as `paddedImages` (with the
    /// filters as its channels), and the gradient of the transformed filters, `[81, paddedChannels, paddedFilters]`.
    private let paddedGradients = Tensor()
    private let filterGradients = Tensor()
    /// Per thread: a weight laid out for the filter transforms, `[paddedChannels, 9, paddedFilters]`.
    private let filterLayouts = Tensor()
    /// Per thread: one image's outputs of sixteen filters, a vector of them per pixel, `[OH · OW, 16]`.
    private let outputPixels = Tensor()

    init(channels: Int, filters: Int, outHeight: Int, outWidth: Int) {
        self.channels = channels
        self.filters = filters
        self.outHeight = outHeight
        self.outWidth = outWidth
        paddedChannels = (channels + 15) / 16 * 16
        paddedFilters = (filters + 15) / 16 * 16
        tilesY = (outHeight + Self.tileSide - 1) / Self.tileSide
        tilesX = (outWidth + Self.tileSide - 1) / Self.tileSide
        tiles = tilesY * tilesX
        paddedSize = (Self.tileSide * tilesY + 2) * (Self.tileSide * tilesX + 2) * paddedChannels
        transformedFilters = Tensor(shape: [Self.elements, paddedChannels, paddedFilters])
    }

    private var columns: Int { Self.imagesPerProduct * tiles }
    /// Floats from one of the 81 inputs' or products' matrices to the next: one cache line more
    /// than they hold, so that the 81 values of a tile do not all fall into the same few sets of
    /// the cache (on the shipped network the matrices are 4 KB).
    private var inputStride: Int { columns * paddedChannels + 16 }
    private var productStride: Int { columns * paddedFilters + 16 }
    private var paddedGradientSize: Int { paddedSize / paddedChannels * paddedFilters }
    private var filterLayoutSize: Int { paddedChannels * 9 * paddedFilters }
    private var transformedFilterSize: Int { Self.elements * paddedChannels * paddedFilters }
    private var outputPixelsSize: Int { outHeight * outWidth * 16 }

    /// Thread `thread`'s transformed inputs and products, from column block `slot` on.
    private func inputBlock(thread: Int, slot: Int = 0) -> UnsafeMutablePointer<Float> {
        transformedInputs.data + thread * Self.elements * inputStride + slot * tiles * paddedChannels
    }

    private func productBlock(thread: Int, slot: Int = 0) -> UnsafeMutablePointer<Float> {
        products.data + thread * Self.elements * productStride + slot * tiles * paddedFilters
    }

    /// Sizes the per-thread space and transforms the filters: `weight` is `[F, C, 3, 3]`, or, when
    /// `turned`, the `[C, F, 3, 3]` weight of the convolution whose input gradient this one
    /// computes (each of its filters turned by half a turn: the gradient of a padding-1 3×3
    /// convolution with respect to its input is such a convolution of the output gradient).
    /// In training, there is room for each thread's weight gradient too.
    func prepare(weight: UnsafePointer<Float>, turned: Bool = false, threads: Int, training: Bool = false) {
        transformedInputs.resize(to: [threads, Self.elements * inputStride])
        products.resize(to: [threads, Self.elements * productStride])
        outputPixels.resize(to: [threads, outputPixelsSize])
        paddedImages.resize(to: [threads, paddedSize])
        // The frame and the channels past the image's stay zero: `transformInput` writes inside.
        paddedImages.zero()
        filterLayouts.resize(to: [threads, filterLayoutSize])
        if training {
            paddedGradients.resize(to: [threads, paddedGradientSize])
            paddedGradients.zero()
            filterGradients.resize(to: [threads, transformedFilterSize])
        }
        let weightCount = filters * channels * 9
        if transformedWeight.count != weightCount || turned != transformedTurned
            || memcmp(transformedWeight, weight, weightCount * MemoryLayout<Float>.size) != 0 {
            ck_wf7_filters(weight, Int32(filters), Int32(channels), turned ? 1 : 0, Int32(paddedChannels), Int32(paddedFilters),
                           filterLayouts.data, transformedFilters.data)
            transformedWeight = Array(UnsafeBufferPointer(start: weight, count: weightCount))
            transformedTurned = turned
        }
    }

    /// Transforms the tiles of one image (`[C, OH, OW]`) on thread `thread` into column block
    /// `slot` of the thread's inputs.
    func transformInput(_ image: UnsafePointer<Float>, slot: Int, thread: Int) {
        let padded = paddedImages.data + thread * paddedSize
        ck_wf7_pad(image, Int32(channels), Int32(outHeight), Int32(outWidth), Int32(paddedChannels), padded)
        ck_wf7_input(padded, Int32(tilesY), Int32(tilesX), Int32(paddedChannels), inputBlock(thread: thread, slot: slot), inputStride)
    }

    /// The 81 products on thread `thread` for the first `count` images of its inputs.
    func multiply(count: Int, thread: Int) {
        let u = transformedFilters.data, v = inputBlock(thread: thread), m = productBlock(thread: thread)
        for e in 0..<Self.elements {
            BLAS.gemm(transposeA: false, transposeB: false, m: count * tiles, n: paddedFilters, k: paddedChannels,
                      a: v + e * inputStride, lda: paddedChannels, b: u + e * paddedChannels * paddedFilters, ldb: paddedFilters,
                      beta: 0, c: m + e * productStride, ldc: paddedFilters)
        }
    }

    /// Turns column block `slot` of thread `thread`'s products into one image's output
    /// (`[F, OH, OW]`), adding `bias` (one per filter) when there is one and applying `epilogue`
    /// (`[F, OH / 2, OW / 2]` when it pools).
    func transformOutput(slot: Int, thread: Int, bias: UnsafePointer<Float>?, epilogue: Epilogue = .none,
                         into output: UnsafeMutablePointer<Float>) {
        ck_wf7_output(productBlock(thread: thread, slot: slot), productStride, Int32(filters), Int32(paddedFilters), Int32(tilesY), Int32(tilesX),
                      Int32(outHeight), Int32(outWidth), bias, epilogue.kernelCode, outputPixels.data + thread * outputPixelsSize, output)
    }
}

// MARK: the weight gradient

extension WinogradConvolution {
    /// Takes one image's output gradient (`[F, OH, OW]`) back through the output transform, into
    /// column block `slot` of thread `thread`'s products: `A·dy·Aᵀ` for each tile.
    func transformOutputGradient(_ gradient: UnsafePointer<Float>, slot: Int, thread: Int) {
        let padded = paddedGradients.data + thread * paddedGradientSize
        ck_wf7_pad(gradient, Int32(filters), Int32(outHeight), Int32(outWidth), Int32(paddedFilters), padded)
        ck_wf7_output_gradient(padded, Int32(tilesY), Int32(tilesX), Int32(paddedFilters), productBlock(thread: thread, slot: slot), productStride)
    }

    /// Transforms, as `transformInput` does, the output gradient `other` has just laid out on
    /// thread `thread` (`other.transformOutputGradient`), when this convolution computes the
    /// input gradient of `other`'s: the same image in the same layout.
    func transformInput(laidOutBy other: WinogradConvolution, slot: Int, thread: Int) {
        precondition(other.paddedFilters == paddedChannels && other.tilesY == tilesY && other.tilesX == tilesX)
        ck_wf7_input(other.paddedGradients.data + thread * other.paddedGradientSize, Int32(tilesY), Int32(tilesX), Int32(paddedChannels),
                     inputBlock(thread: thread, slot: slot), inputStride)
    }

    /// Adds, on thread `thread`, the transformed filters' gradient from the first `count` images
    /// of its inputs (`transformInput`), whose output gradients `transformOutputGradient` has
    /// just taken back: `dU += Vᵀ · dM` for each of the 81 (or `=`, for the thread's `first`).
    func accumulateFilterGradient(count: Int, thread: Int, first: Bool) {
        let v = inputBlock(thread: thread), m = productBlock(thread: thread), du = filterGradients.data + thread * transformedFilterSize
        for e in 0..<Self.elements {
            BLAS.gemm(transposeA: true, transposeB: false, m: paddedChannels, n: paddedFilters, k: count * tiles,
                      a: v + e * inputStride, lda: paddedChannels, b: m + e * productStride, ldb: paddedFilters,
                      beta: first ? 0 : 1, c: du + e * paddedChannels * paddedFilters, ldc: paddedFilters)
        }
    }

    /// Writes thread `thread`'s filter gradient, `Gᵀ dU G` for each filter and channel, into
    /// `weightGradient` (`[F, C, 3, 3]`).
    func filterGradient(thread: Int, into weightGradient: UnsafeMutablePointer<Float>) {
        ck_wf7_filter_gradient(filterGradients.data + thread * transformedFilterSize, Int32(filters), Int32(channels),
                               Int32(paddedChannels), Int32(paddedFilters), filterLayouts.data + thread * filterLayoutSize, weightGradient)
    }
}

extension Epilogue {
    /// The same, as `CKernels` names it.
    var kernelCode: Int32 {
        switch self {
        case .none: CK_EPILOGUE_NONE
        case .relu: CK_EPILOGUE_RELU
        case .maxPool2x2ThenReLU: CK_EPILOGUE_POOL_RELU
        }
    }
}
