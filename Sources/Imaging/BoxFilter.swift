/// Means over square windows, in time independent of the window's size (running sums).
enum BoxFilter {
    /// Each value replaced by the mean of the (2·radius + 1)² window around it; windows are cut
    /// at the image's edge, so edge pixels average over fewer values.
    static func mean<Value: BoxFilterable>(_ values: [Value], width: Int, height: Int, radius: Int) -> [Value] {
        guard radius > 0 else { return values }
        var columns = values, out = values
        values.withUnsafeBufferPointer { source in
            columns.withUnsafeMutableBufferPointer { alongColumns(source, into: $0, width: width, height: height, radius: radius) }
        }
        columns.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { alongRows(source, into: $0, width: width, height: height, radius: radius) }
        }
        return out
    }

    /// How many of the `count` positions of a line are within `radius` of position `i`.
    private static func window(_ i: Int, _ count: Int, _ radius: Int) -> Float { Float(min(count - 1, i + radius) - max(0, i - radius) + 1) }

    /// Means down each column. The running sums of all columns advance a row at a time, so that
    /// memory is read in order; each column's sum sees the same additions as a walk down it would.
    private static func alongColumns<Value: BoxFilterable>(_ values: UnsafeBufferPointer<Value>, into out: UnsafeMutableBufferPointer<Value>,
                                                           width: Int, height: Int, radius: Int) {
        var sums = [Value](repeating: .zero, count: width)
        for y in 0 ... min(height - 1, radius) {
            for x in 0..<width { sums[x] = sums[x] + values[y * width + x] }
        }
        for y in 0..<height {
            if y > 0 {
                let added = y + radius, dropped = y - radius - 1
                if added < height { for x in 0..<width { sums[x] = sums[x] + values[added * width + x] } }
                if dropped >= 0 { for x in 0..<width { sums[x] = sums[x] - values[dropped * width + x] } }
            }
            let count = window(y, height, radius)
            for x in 0..<width { out[y * width + x] = sums[x] / count }
        }
    }

    /// Means along each row, with a running sum.
    private static func alongRows<Value: BoxFilterable>(_ values: UnsafeBufferPointer<Value>, into out: UnsafeMutableBufferPointer<Value>,
                                                        width: Int, height: Int, radius: Int) {
        for row in stride(from: 0, to: width * height, by: width) {
            var sum = Value.zero
            for x in 0 ... min(width - 1, radius) { sum = sum + values[row + x] }
            out[row] = sum / window(0, width, radius)
            for x in 1 ..< max(1, width) {
                if x + radius < width { sum = sum + values[row + x + radius] }
                if x - radius - 1 >= 0 { sum = sum - values[row + x - radius - 1] }
                out[row + x] = sum / window(x, width, radius)
            }
        }
    }
}

/// What a box filter averages: single samples, or all channels of a colour at once (each lane
/// summed exactly as a plane of its own would be).
protocol BoxFilterable {
    static var zero: Self { get }
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Float) -> Self
}

extension Float: BoxFilterable {}
extension SIMD4<Float>: BoxFilterable {}
