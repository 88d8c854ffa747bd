import CKernels
import Foundation

/// Winograd's F(4×4, 3×3) for a 3×3 convolution of stride 1 and padding 1: each 6×6 tile of the
/// padded image (tiles overlap by two) becomes 36 numbers `Bᵀ d B`, each filter `G g Gᵀ`, and 36
/// products `[tiles × C] · [C × F]` give each tile's 4×4 outputs, `Aᵀ m A`: four times fewer
/// multiplications than im2col, where F(2×2, 3×3) (`WinogradConvolution`) has 2.25. On the
/// shipped network's 14×14 planes, sixteen tiles cover 16×16 outputs of which 14×14 are kept, so
/// the products are 1.36 times fewer than F(2×2)'s, for the same outputs up to rounding (a few
/// times F(2×2)'s rounding error: its transforms multiply by up to 8 and divide by 24).
///
/// The transforms are `CKernels`' (`ck_wf4_*`), sixteen channels or filters at a time in vectors
/// as wide as the processor has, which is why they are in C. The products take the tiles as rows
/// (`[tiles × C] · [C × F]`), the shape OpenBLAS's small-matrix kernel runs at full speed.
/// It computes a forward pass, or an input gradient with the filters turned; the weight gradient
/// stays `WinogradConvolution`'s.
final class Winograd4x4Convolution: WinogradMethod {
    static let imagesPerProduct = 4

    /// Whether a convolution of this shape can be computed this way, and gains from it (with few
    /// input channels the products are too thin for the transforms to pay). The output transform
    /// writes whole pairs of columns, so the sides must be even.
    static func applies(kernelSize: Int, stride: Int, padding: Int, channels: Int, outHeight: Int, outWidth: Int) -> Bool {
        kernelSize == 3 && stride == 1 && padding == 1 && channels >= 16 && outHeight % 2 == 0 && outWidth % 2 == 0
    }

    private let channels, filters, outHeight, outWidth: Int
    /// Channels and filters rounded up to whole vectors: the products' sides.
    private let paddedChannels, paddedFilters: Int
    private let tilesY, tilesX, tiles: Int
    /// One thread's image, channels last in its frame of zeros.
    private let paddedSize: Int
    /// `[36, paddedChannels, paddedFilters]`, made from the weights.
    private let transformedFilters: Tensor
    /// The weight `transformedFilters` were made from, and whether turned: at inference the
    /// weights stay the same from one batch to the next, and comparing costs less than transforming.
    private var transformedWeight: [Float] = []
    private var transformedTurned = false
    /// Per thread: 36 × `[imagesPerProduct · tiles, paddedChannels]`, `inputStride` apart.
    private let transformedInputs = Tensor()
    /// Per thread: 36 × `[imagesPerProduct · tiles, paddedFilters]`, `productStride` apart.
    private let products = Tensor()
    private let paddedImages = Tensor()

    init(channels: Int, filters: Int, outHeight: Int, outWidth: Int) {
        self.channels = channels
        self.filters = filters
        self.outHeight = outHeight
        self.outWidth = outWidth
        paddedChannels = (channels + 15) / 16 * 16
        paddedFilters = (filters + 15) / 16 * 16
        tilesY = (outHeight + 3) / 4
        tilesX = (outWidth + 3) / 4
        tiles = tilesY * tilesX
        paddedSize = (4 * tilesY + 2) * (4 * tilesX + 2) * paddedChannels
        transformedFilters = Tensor(shape: [36, paddedChannels, paddedFilters])
    }

    private var columns: Int { Self.imagesPerProduct * tiles }
    /// Floats from one of the 36 inputs' or products' matrices to the next: one cache line more
    /// than they hold, so that the 36 values of a tile do not all fall into the same few sets of
    /// the cache (on the shipped network the matrices are 16 KB).
    private var inputStride: Int { columns * paddedChannels + 16 }
    private var productStride: Int { columns * paddedFilters + 16 }

    func prepare(weight: UnsafePointer<Float>, turned: Bool, threads: Int, training: Bool) {
        transformedInputs.resize(to: [threads, 36 * inputStride])
        products.resize(to: [threads, 36 * productStride])
        paddedImages.resize(to: [threads, paddedSize])
        // The frame and the channels past the image's stay zero: `transformInput` writes inside.
        paddedImages.zero()
        let weightCount = filters * channels * 9
        if transformedWeight.count != weightCount || turned != transformedTurned
            || memcmp(transformedWeight, weight, weightCount * MemoryLayout<Float>.size) != 0 {
            ck_wf4_filters(weight, Int32(filters), Int32(channels), turned ? 1 : 0, Int32(paddedChannels), Int32(paddedFilters), transformedFilters.data)
            transformedWeight = Array(UnsafeBufferPointer(start: weight, count: weightCount))
            transformedTurned = turned
        }
    }

    func transformInput(_ image: UnsafePointer<Float>, slot: Int, thread: Int) {
        let padded = paddedImages.data + thread * paddedSize
        ck_wf4_pad(image, Int32(channels), Int32(outHeight), Int32(outWidth), Int32(paddedChannels), padded)
        let v = transformedInputs.data + thread * 36 * inputStride + slot * tiles * paddedChannels
        ck_wf4_input(padded, Int32(tilesY), Int32(tilesX), Int32(paddedChannels), v, inputStride)
    }

    func multiply(count: Int, thread: Int) {
        let u = transformedFilters.data
        let v = transformedInputs.data + thread * 36 * inputStride
        let m = products.data + thread * 36 * productStride
        for e in 0..<36 {
            BLAS.gemm(transposeA: false, transposeB: false, m: count * tiles, n: paddedFilters, k: paddedChannels,
                      a: v + e * inputStride, lda: paddedChannels, b: u + e * paddedChannels * paddedFilters, ldb: paddedFilters,
                      beta: 0, c: m + e * productStride, ldc: paddedFilters)
        }
    }

    func transformOutput(slot: Int, thread: Int, bias: UnsafePointer<Float>?, epilogue: Epilogue, into output: UnsafeMutablePointer<Float>) {
        let m = products.data + thread * 36 * productStride + slot * tiles * paddedFilters
        ck_wf4_output(m, productStride, Int32(filters), Int32(paddedFilters), Int32(tilesY), Int32(tilesX),
                      Int32(outHeight), Int32(outWidth), bias, epilogue.kernelCode, output)
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
