import CBLAS

/// The one door to the BLAS library. Everything heavy in the network is a single-precision
/// matrix product, and every product goes through `BLAS.gemm`, so replacing OpenBLAS with
/// another CBLAS (or Accelerate) means changing this file, the `CBLAS` shim and the `CNN`
/// target's linker setting in `Package.swift` only.
public enum BLAS {
    /// Row-major `C = alpha · op(A) · op(B) + beta · C`, where `op(A)` is `m×k`, `op(B)` is `k×n`
    /// and `C` is `m×n`. Leading dimensions are those of the matrices as stored.
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc))
    }

    /// The library runs each call on the calling thread: cnnclassify splits the batch over
    /// threads itself, which keeps results bit-identical for a given thread count. The library's
    /// own threads, which it started before `main` and which would spin for a tenth of a second
    /// waiting for work, are stopped.
    public static func useCallingThreadOnly() {
        openblas_set_num_threads(1)
        _ = blas_thread_shutdown_()
    }

    /// Treats subnormal floats as zero on the calling thread (see the `CBLAS` shim for why).
    /// `Parallel` calls it on every thread it runs work on.
    @inline(__always)
    public static func flushSubnormals() {
        cnn_flush_subnormals()
    }
}
