/// Means over square windows, in time independent of the window's size (running sums).
enum BoxFilter {
    /// Each value replaced by the mean of the (2·radius + 1)² window around it; windows are cut
    /// at the image's edge, so edge pixels average over fewer values.
    static func mean(_ values: [Float], width: Int, height: Int, radius: Int) -> [Float] {
        guard radius > 0 else { return values }
        var columns = values, out = values
        values.withUnsafeBufferPointer { source in
            columns.withUnsafeMutableBufferPointer { running(source, into: $0, count: height, stride: width, lines: width, lineStride: 1, radius: radius) }
        }
        columns.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { running(source, into: $0, count: width, stride: 1, lines: height, lineStride: width, radius: radius) }
        }
        return out
    }

    /// Means along one axis: `lines` lines of `count` values `stride` apart, lines `lineStride` apart.
    private static func running(_ values: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>, count: Int, stride: Int,
                                lines: Int, lineStride: Int, radius: Int) {
        for line in 0..<lines {
            let base = line * lineStride
            var sum: Float = 0, low = 0, high = -1
            for i in 0..<count {
                while high < min(count - 1, i + radius) { high += 1; sum += values[base + high * stride] }
                while low < max(0, i - radius) { sum -= values[base + low * stride]; low += 1 }
                out[base + i * stride] = sum / Float(high - low + 1)
            }
        }
    }
}
