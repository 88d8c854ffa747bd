import Dispatch

extension BLAS {
    /// The machine's single-precision matrix-product rate as this engine uses it: `C = A·B` on
    /// `side`×`side` matrices, the rows of `C` split over `threads` threads each running its own
    /// single-threaded product, as the network's layers do. GFLOP/s, the median of `repeats`
    /// runs after one to warm up. It is the ceiling for training, which is mostly such products.
    public static func measuredRate(side: Int = 1024, threads: Int, repeats: Int = 3) -> Double {
        let a = Tensor(shape: [side, side], repeating: 0.5), b = Tensor(shape: [side, side], repeating: 0.25)
        let c = Tensor(shape: [side, side])
        func product() {
            Parallel.chunks(side, threads: threads) { rows, _ in
                gemm(transposeA: false, transposeB: false, m: rows.count, n: side, k: side,
                     a: a.data + rows.lowerBound * side, lda: side, b: b.data, ldb: side, beta: 0,
                     c: c.data + rows.lowerBound * side, ldc: side)
            }
        }
        product()
        let seconds = (0..<repeats).map { _ in
            let start = DispatchTime.now().uptimeNanoseconds
            product()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }.sorted()
        return 2 * Double(side * side * side) / seconds[seconds.count / 2] / 1e9
    }
}
