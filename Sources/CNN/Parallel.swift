import Dispatch

/// Static splitting of work over a fixed number of threads. Chunk `i` is always the same range
/// for the same count and thread count, which is what makes training bit-identical run to run.
public enum Parallel {
    /// Calls `body(range, chunkIndex)` for `threads` contiguous chunks of `0..<count`, concurrently.
    public static func chunks(_ count: Int, threads: Int, _ body: (Range<Int>, Int) -> Void) {
        let parts = max(1, min(threads, count))
        if parts == 1 {
            body(0..<count, 0)
            return
        }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            body(count * part / parts ..< count * (part + 1) / parts, part)
        }
    }

    /// The number of chunks `chunks(_:threads:_:)` will use.
    public static func chunkCount(_ count: Int, threads: Int) -> Int { max(1, min(threads, count)) }
}
