import CKernels

/// Winograd's F(2×2, 3×3) for a 3×3 convolution of stride 1 over a zero-padded image with even
/// output sides, its products in bfloat16 (`--precision bfloat16`, inference only): each 4×4 tile
/// of the padded image (tiles overlap by two) becomes 16 numbers `Bᵀ d B`, each filter likewise
/// `G g Gᵀ`, 16 products `[F × C] · [C × tiles]` with both sides rounded to bfloat16 and float
/// sums, and each tile's 4×4 result gives a 2×2 tile of the output, `Aᵀ m A`. Float convolutions
/// use F(4×4, 3×3) (`WinogradConvolution`), with fewer products but larger transforms, which
/// magnify bfloat16's rounding to several percent of the output; these keep it near bfloat16's own.
///
/// Every loop of the transforms runs along a row of tiles, and the tiles of a few images go into
/// each product: four was the fastest (larger groups fall out of the cache).
final class BFloat16WinogradConvolution: WinogradMethod {
    static let imagesPerProduct = 4

    private let channels, filters, outHeight, outWidth: Int
    private let tilesY, tilesX, tiles, paddedWidth, paddedPlane: Int
    /// Columns of the products: the tiles of `imagesPerProduct` images side by side, and eight
    /// more that the transforms' last vector of a row may run into.
    private let productWidth: Int
    /// One thread's padded image, with room for the last row's vector loads to run past its end.
    private let paddedSize: Int
    /// `[16, F, C]`, made from the weights at each forward.
    private let transformedFilters: Tensor
    /// Per thread: `[16, C, productWidth]`.
    private let transformedInputs = Tensor()
    /// Per thread: `[16, F, productWidth]`, and the image being transformed in its frame of
    /// zeros, `[C, OH + 2, OW + 2]`.
    private let products = Tensor()
    private let paddedImages = Tensor()
    /// The transformed filters as pairs along the channels, `[16, F, ⌈C/2⌉]`, and per thread the
    /// space the transformed inputs are rounded into.
    private var packedFilters: [UInt32] = []
    /// Raw memory rather than an array: threads write their parts of it at once.
    private var roundedInputs = UnsafeMutableBufferPointer<UInt32>(start: nil, count: 0)
    /// Words of a packed filter row (pairs of channels), and of a thread's rounded inputs.
    private let packedRow, roundedPerThread: Int

    init(channels: Int, filters: Int, outHeight: Int, outWidth: Int) {
        self.channels = channels
        self.filters = filters
        self.outHeight = outHeight
        self.outWidth = outWidth
        tilesY = outHeight / 2
        tilesX = outWidth / 2
        tiles = tilesY * tilesX
        paddedWidth = outWidth + 2
        paddedPlane = (outHeight + 2) * paddedWidth
        productWidth = Self.imagesPerProduct * tiles + 8
        paddedSize = channels * paddedPlane + 32
        transformedFilters = Tensor(shape: [16, filters, channels])
        packedRow = Int(ck_bf16_pairs(Int32(channels)))
        roundedPerThread = Int(ck_bf16_scratch_words(Int32(channels), Int32(productWidth)))
    }

    deinit { roundedInputs.deallocate() }

    /// Sizes the per-thread space and transforms the filters: `weight` is `[F, C, 3, 3]`, or, when
    /// `turned`, the `[C, F, 3, 3]` weight of the convolution whose input gradient this one
    /// computes (each of its filters turned by half a turn: the gradient of a padding-1 3×3
    /// convolution with respect to its input is such a convolution of the output gradient).
    func prepare(weight: UnsafePointer<Float>, turned: Bool, threads: Int, training: Bool) {
        precondition(!training, "products in bfloat16 are for inference only")
        transformedInputs.resize(to: [threads, 16, channels, productWidth])
        products.resize(to: [threads, 16, filters, productWidth])
        paddedImages.resize(to: [threads, paddedSize])
        let u = transformedFilters.data, plane = filters * channels
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 9) { filter in
            let g = filter.baseAddress!
            for f in 0..<filters {
                for c in 0..<channels {
                    for t in 0..<9 {
                        g[t] = turned ? weight[(c * filters + f) * 9 + 8 - t] : weight[(f * channels + c) * 9 + t]
                    }
                    for i in 0..<4 {
                        // Row i of G·g, then that row times Gᵀ.
                        let (a, b, d): (Float, Float, Float)
                        switch i {
                        case 0: (a, b, d) = (g[0], g[1], g[2])
                        case 3: (a, b, d) = (g[6], g[7], g[8])
                        default:
                            let sign: Float = i == 1 ? 1 : -1
                            a = 0.5 * (g[0] + sign * g[3] + g[6])
                            b = 0.5 * (g[1] + sign * g[4] + g[7])
                            d = 0.5 * (g[2] + sign * g[5] + g[8])
                        }
                        let row = u + i * 4 * plane + f * channels + c
                        row[0] = a
                        row[plane] = 0.5 * (a + b + d)
                        row[2 * plane] = 0.5 * (a - b + d)
                        row[3 * plane] = d
                    }
                }
            }
        }
        packFilters(threads: threads)
    }

    /// Transforms the tiles of one image (`[C, OH, OW]`) on thread `thread` into column block
    /// `slot` of the thread's inputs. Eight tiles of a row at a time: the sixteen columns under them, and the
    /// sixteen from two further on, give each tile's first and last two columns as the even and
    /// odd lanes. A row's last vector may store past the row's last tile, into the next row (or
    /// slot) of tiles, which is written after it, or into the eight spare columns; so the slots
    /// of a product must be transformed in order.
    func transformInput(_ image: UnsafePointer<Float>, slot: Int, thread: Int) {
        let paddedBase = paddedImages.data + thread * paddedSize
        Conv2D.pad(image, channels: channels, height: outHeight, width: outWidth, padding: 1, into: paddedBase)
        let v = transformedInputs.data + thread * 16 * channels * productWidth
        let step = channels * productWidth
        for c in 0..<channels {
            let plane = UnsafePointer(paddedBase + c * paddedPlane)
            for ty in 0..<tilesY {
                let r0 = plane + 2 * ty * paddedWidth, r1 = r0 + paddedWidth, r2 = r1 + paddedWidth, r3 = r2 + paddedWidth
                let row = v + c * productWidth + slot * tiles + ty * tilesX
                for k in stride(from: 0, to: tilesX, by: 8) {
                    let at = 2 * k
                    // Bᵀ·d: four rows from the tile's four, at the tiles' columns and two further.
                    let (a, b, c2, d) = (Self.load16(r0 + at), Self.load16(r1 + at), Self.load16(r2 + at), Self.load16(r3 + at))
                    let (a2, b2, c22, d2) = (Self.load16(r0 + at + 2), Self.load16(r1 + at + 2), Self.load16(r2 + at + 2), Self.load16(r3 + at + 2))
                    let here = (a - c2, b + c2, c2 - b, b - d), next = (a2 - c22, b2 + c22, c22 - b2, b2 - d2)
                    Self.storeRow(here.0, next.0, at: row + k, step: step)
                    Self.storeRow(here.1, next.1, at: row + 4 * step + k, step: step)
                    Self.storeRow(here.2, next.2, at: row + 8 * step + k, step: step)
                    Self.storeRow(here.3, next.3, at: row + 12 * step + k, step: step)
                }
            }
        }
    }

    /// The four values `(Bᵀ d) B` of one row of Bᵀ·d for eight tiles, from that row at the
    /// tiles' columns (`here`) and two columns on (`next`).
    @inline(__always)
    private static func storeRow(_ here: SIMD16<Float>, _ next: SIMD16<Float>, at v: UnsafeMutablePointer<Float>, step: Int) {
        let first = here.evenHalf, second = here.oddHalf, third = next.evenHalf, fourth = next.oddHalf
        FloatRun.store8(first - third, v)
        FloatRun.store8(second + third, v + step)
        FloatRun.store8(third - second, v + 2 * step)
        FloatRun.store8(second - fourth, v + 3 * step)
    }

    @inline(__always)
    private static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    private func packFilters(threads: Int) {
        if packedFilters.count != 16 * filters * packedRow { packedFilters = [UInt32](repeating: 0, count: 16 * filters * packedRow) }
        if roundedInputs.count < threads * roundedPerThread {
            roundedInputs.deallocate()
            roundedInputs = .allocate(capacity: threads * roundedPerThread)
        }
        packedFilters.withUnsafeMutableBufferPointer { packed in
            ck_bf16_pack_rows(transformedFilters.data, Int32(16 * filters), Int32(channels), Int32(channels), packed.baseAddress!)
        }
    }

    /// The 16 products on thread `thread` for the first `count` images of its inputs.
    func multiply(count: Int, thread: Int) {
        let v = transformedInputs.data + thread * 16 * channels * productWidth
        let m = products.data + thread * 16 * filters * productWidth
        let rounded = roundedInputs.baseAddress! + thread * roundedPerThread
        packedFilters.withUnsafeBufferPointer { packed in
            for e in 0..<16 {
                ck_bf16_gemm(Int32(filters), Int32(count * tiles), Int32(channels), packed.baseAddress! + e * filters * packedRow,
                             v + e * channels * productWidth, Int32(productWidth), m + e * productWidth * filters, Int32(productWidth), rounded)
            }
        }
    }

    /// Turns column block `slot` of thread `thread`'s products into one image's output
    /// (`[F, OH, OW]`), adding `bias` (one per filter) when there is one and applying `epilogue`
    /// (`[F, OH / 2, OW / 2]` when it pools); eight tiles at a time, each vector of two output
    /// rows interleaved from the even and odd columns' values.
    func transformOutput(slot: Int, thread: Int, bias: UnsafePointer<Float>?, epilogue: Epilogue, into output: UnsafeMutablePointer<Float>) {
        guard epilogue != .maxPool2x2ThenReLU else {
            transformOutputPooled(slot: slot, thread: thread, bias: bias, into: output)
            return
        }
        let rectify = epilogue == .relu
        let m = UnsafePointer(products.data + thread * 16 * filters * productWidth)
        let step = filters * productWidth
        var top = SIMD16<Float>(), bottom = SIMD16<Float>()
        withUnsafeMutablePointer(to: &top) { topRow in
            withUnsafeMutablePointer(to: &bottom) { bottomRow in
                let topFloats = UnsafeMutableRawPointer(topRow).assumingMemoryBound(to: Float.self)
                let bottomFloats = UnsafeMutableRawPointer(bottomRow).assumingMemoryBound(to: Float.self)
                for f in 0..<filters {
                    let b = SIMD8<Float>(repeating: bias?[f] ?? 0)
                    for ty in 0..<tilesY {
                        let p = m + f * productWidth + slot * tiles + ty * tilesX
                        let y0 = output + (f * outHeight + 2 * ty) * outWidth, y1 = y0 + outWidth
                        for k in stride(from: 0, to: tilesX, by: 8) {
                            let tile = Self.outputTiles(p + k, step: step)
                            var values = (tile.topEven + b, tile.topOdd + b, tile.bottomEven + b, tile.bottomOdd + b)
                            if rectify {
                                values = (ReLU.rectified(values.0), ReLU.rectified(values.1), ReLU.rectified(values.2), ReLU.rectified(values.3))
                            }
                            topRow.pointee.evenHalf = values.0
                            topRow.pointee.oddHalf = values.1
                            bottomRow.pointee.evenHalf = values.2
                            bottomRow.pointee.oddHalf = values.3
                            let count = 2 * min(8, tilesX - k)
                            FloatRun.copy(topFloats, to: y0 + 2 * k, count: count)
                            FloatRun.copy(bottomFloats, to: y1 + 2 * k, count: count)
                        }
                    }
                }
            }
        }
    }

    /// The same followed by 2×2 max-pooling and ReLU: each tile's 2×2 result is one pooling
    /// window, so each tile gives one value, the largest of its four (plus the bias) if positive.
    /// The bias is added after the maximum, which gives the same float as adding it to each of
    /// the four: rounding a sum is monotonic.
    private func transformOutputPooled(slot: Int, thread: Int, bias: UnsafePointer<Float>?, into output: UnsafeMutablePointer<Float>) {
        let m = UnsafePointer(products.data + thread * 16 * filters * productWidth)
        let step = filters * productWidth
        for f in 0..<filters {
            let b = SIMD8<Float>(repeating: bias?[f] ?? 0)
            for ty in 0..<tilesY {
                let p = m + f * productWidth + slot * tiles + ty * tilesX
                let y = output + (f * tilesY + ty) * tilesX
                for k in stride(from: 0, to: tilesX, by: 8) {
                    let tile = Self.outputTiles(p + k, step: step)
                    let largest = Self.larger(Self.larger(tile.topEven, tile.bottomEven), Self.larger(tile.topOdd, tile.bottomOdd))
                    let pooled = ReLU.rectified(largest + b)
                    if k + 8 <= tilesX {
                        FloatRun.store8(pooled, y + k)
                    } else {
                        withUnsafeBytes(of: pooled) { lanes in
                            for i in 0..<(tilesX - k) { y[k + i] = lanes.load(fromByteOffset: i * 4, as: Float.self) }
                        }
                    }
                }
            }
        }
    }

    /// The 2×2 results of eight tiles from their 16 products (`p`, rows `step` apart): `Aᵀ·m`,
    /// two rows from the four, each of four columns; then each times `A`.
    @inline(__always)
    private static func outputTiles(_ p: UnsafePointer<Float>, step: Int)
        -> (topEven: SIMD8<Float>, topOdd: SIMD8<Float>, bottomEven: SIMD8<Float>, bottomOdd: SIMD8<Float>) {
        var upper = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>()), lower = upper
        for j in 0..<4 {
            let m0 = FloatRun.load8(p + j * step), m1 = FloatRun.load8(p + (4 + j) * step)
            let m2 = FloatRun.load8(p + (8 + j) * step), m3 = FloatRun.load8(p + (12 + j) * step)
            let (u, l) = (m0 + m1 + m2, m1 - m2 - m3)
            switch j {
            case 0: upper.0 = u; lower.0 = l
            case 1: upper.1 = u; lower.1 = l
            case 2: upper.2 = u; lower.2 = l
            default: upper.3 = u; lower.3 = l
            }
        }
        return (upper.0 + upper.1 + upper.2, upper.1 - upper.2 - upper.3, lower.0 + lower.1 + lower.2, lower.1 - lower.2 - lower.3)
    }

    /// Lane by lane the larger of the two (`b` where `a < b`), as `max` picks it.
    @inline(__always)
    private static func larger(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: a .< b)
    }
}
