import Foundation

/// A dense Float32 tensor in row-major order; images are NCHW (batch, channels, height, width).
///
/// A reference type on purpose: layers own their output and gradient buffers and reuse them from
/// batch to batch, so the hot path allocates nothing once the batch size is stable.
public final class Tensor {
    public private(set) var shape: [Int]
    public private(set) var count: Int
    private var capacity: Int
    public private(set) var data: UnsafeMutablePointer<Float>
    /// The tensor whose storage this one uses (`share(_:)`), kept alive with it; nil when the
    /// storage is this tensor's own.
    private var storageOwner: Tensor?

    public init(shape: [Int], repeating value: Float = 0) {
        let count = shape.reduce(1, *)
        self.shape = shape
        self.count = count
        self.capacity = max(count, 1)
        self.data = Self.allocateZeroed(capacity)
        if value != 0 { data.update(repeating: value, count: capacity) }
    }

    /// Zeroed storage from calloc: large blocks come straight from the kernel as zero pages, so
    /// nothing is written (or faulted in) until used — loading a model for one image stays cheap.
    private static func allocateZeroed(_ count: Int) -> UnsafeMutablePointer<Float> {
        guard let raw = calloc(count, MemoryLayout<Float>.stride) else { fatalError("out of memory for \(count) floats") }
        return raw.bindMemory(to: Float.self, capacity: count)
    }

    public convenience init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.init(shape: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    /// An empty tensor to be sized later with `resize(to:)`.
    public convenience init() { self.init(shape: [0]) }

    deinit { releaseStorage() }

    /// Gives the tensor a new shape. Storage is reused when it is large enough; contents are then
    /// whatever was there (callers overwrite or `zero()`), and new storage is zero-filled.
    public func resize(to newShape: [Int]) {
        let newCount = newShape.reduce(1, *)
        if newCount > capacity {
            releaseStorage()
            capacity = newCount
            data = Self.allocateZeroed(capacity)
        }
        shape = newShape
        count = newCount
    }

    /// A view of the same values under another shape with the same element count.
    public func reshape(to newShape: [Int]) {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        shape = newShape
    }

    public func zero() { data.update(repeating: 0, count: count) }

    public func copy(from other: Tensor) {
        resize(to: other.shape)
        data.update(from: other.data, count: count)
    }

    /// Backs the storage with memory now, in one call, instead of a page fault on first write to
    /// each 4 KB page: for the 3 MB of weights a weight file fills, those faults cost one image's
    /// start-up more than the copying itself. A kernel without `MADV_POPULATE_WRITE` (before
    /// Linux 5.14) refuses the call, and the pages then fault in as before.
    public func populate() {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: data) + page - 1) & ~(page - 1)
        let end = Int(bitPattern: data + count) & ~(page - 1)
        guard end > first, let start = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(start, end - first, MADV_POPULATE_WRITE)
    }

    /// Makes this tensor another view of `other`'s values, without copying them: what is written
    /// through either is seen by both, until one is resized beyond its storage.
    public func share(_ other: Tensor) {
        releaseStorage()
        storageOwner = other.storageOwner ?? other
        data = other.data
        shape = other.shape
        count = other.count
        capacity = other.capacity
    }

    /// Gives up the storage: freed when it is this tensor's own, let go of when it is shared.
    private func releaseStorage() {
        if storageOwner == nil { free(data) }
        storageOwner = nil
    }

    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    public subscript(index: Int) -> Float {
        get { data[index] }
        set { data[index] = newValue }
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: data, count: count) }

    /// Elements per item of the leading (batch) dimension.
    public var itemSize: Int { shape.dropFirst().reduce(1, *) }
}
