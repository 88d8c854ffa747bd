import Dispatch

/// Static splitting of work over a fixed number of threads. Chunk `i` is always the same range
/// for the same count and thread count, which is what makes training bit-identical run to run.
public enum Parallel {
    /// Calls `body(range, chunkIndex)` for `threads` contiguous chunks of `0..<count`, concurrently.
    public static func chunks(_ count: Int, threads: Int, _ body: (Range<Int>, Int) -> Void) {
        let parts = max(1, min(threads, count))
        if parts == 1 {
            BLAS.flushSubnormals()
            body(0..<count, 0)
            return
        }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            BLAS.flushSubnormals()
            body(count * part / parts ..< count * (part + 1) / parts, part)
        }
    }

    /// For elementwise work over `count` elements: splits only when each thread gets at least
    /// `grain` elements, since a dispatch costs more than a small loop.
    public static func elementwise(_ count: Int, threads: Int, grain: Int = 32_768, _ body: (Range<Int>) -> Void) {
        chunks(count, threads: min(threads, count / grain)) { range, _ in body(range) }
    }

    /// The number of chunks `chunks(_:threads:_:)` will use.
    public static func chunkCount(_ count: Int, threads: Int) -> Int { max(1, min(threads, count)) }
}
