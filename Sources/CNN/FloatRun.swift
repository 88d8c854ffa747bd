/// Floats eight at a time, for loops the compiler does not vectorise well by itself: the Adam
/// step and batch normalisation's sums (whose pointers might alias), and the convolution's rows of
/// 7 to 28 floats, where a vectorised loop spends more on its alias checks and scalar remainder
/// than on the copy. `copy` and `add` finish a run with one more step that ends at its last float.
enum FloatRun {
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ value: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// `destination[i] = source[i]` for `i < count`; the runs must not overlap. The last step
    /// stores the final eight floats again where `count` is not a multiple of eight, which a copy
    /// may do.
    @inline(__always)
    static func copy(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        guard count >= 8 else {
            for i in 0..<count { destination[i] = source[i] }
            return
        }
        var i = 0
        while i + 8 <= count {
            store8(load8(source + i), destination + i)
            i &+= 8
        }
        if i < count { store8(load8(source + count - 8), destination + count - 8) }
    }

    /// `destination[i] += source[i]` for `i < count`; the runs must not overlap. Every float
    /// receives exactly one addition: in the last step the lanes already added get −0, the one
    /// value that leaves every float (−0 included) as it was.
    @inline(__always)
    static func add(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int) {
        guard count >= 8 else {
            for i in 0..<count { destination[i] += source[i] }
            return
        }
        var i = 0
        while i + 8 <= count {
            store8(load8(destination + i) + load8(source + i), destination + i)
            i &+= 8
        }
        guard i < count else { return }
        let done = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: i - (count - 8)))
        let tail = load8(source + count - 8).replacing(with: -0.0, where: lanes .< done)
        store8(load8(destination + count - 8) + tail, destination + count - 8)
    }

    private static let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
}
