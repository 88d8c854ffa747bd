import Foundation

/// A single-channel image with Float samples in 0...255, row after row.
public struct GrayImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(pixels.count == width * height)
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public subscript(x: Int, y: Int) -> Float {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// The image as it is meant to be seen: transparent parts composited onto white (a cut-out is a
    /// product on a white background), colour turned into luma with the ITU-R BT.601 weights, and
    /// the EXIF orientation applied.
    public init(_ image: DecodedImage) {
        let n = image.width * image.height
        var gray = [Float](repeating: 0, count: n)
        image.pixels.withUnsafeBufferPointer { p in
            switch image.layout {
            case .gray:
                for i in 0..<n { gray[i] = Float(p[i]) }
            case .grayAlpha:
                for i in 0..<n { gray[i] = Self.overWhite(Float(p[2 * i]), alpha: p[2 * i + 1]) }
            case .rgb:
                for i in 0..<n { gray[i] = Self.luma(p[3 * i], p[3 * i + 1], p[3 * i + 2]) }
            case .rgba:
                for i in 0..<n { gray[i] = Self.overWhite(Self.luma(p[4 * i], p[4 * i + 1], p[4 * i + 2]), alpha: p[4 * i + 3]) }
            case .invertedCMYK:
                // Inverted CMYK: 255 is no ink, so each of R, G, B is its ink's value times K's.
                for i in 0..<n {
                    let k = Float(p[4 * i + 3]) / 255
                    gray[i] = 0.299 * Float(p[4 * i]) * k + 0.587 * Float(p[4 * i + 1]) * k + 0.114 * Float(p[4 * i + 2]) * k
                }
            }
        }
        self = GrayImage(width: image.width, height: image.height, pixels: gray).oriented(image.orientation)
    }

    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Float { 0.299 * Float(r) + 0.587 * Float(g) + 0.114 * Float(b) }

    static func overWhite(_ value: Float, alpha: UInt8) -> Float {
        let a = Float(alpha) / 255
        return value * a + 255 * (1 - a)
    }

    /// The image turned upright according to an EXIF orientation (1–8): the stored pixels are
    /// mirrored and/or rotated the way a camera's viewer shows them.
    public func oriented(_ orientation: Int) -> GrayImage {
        guard orientation >= 2 && orientation <= 8 else { return self }
        let swaps = orientation >= 5
        let (w, h) = swaps ? (height, width) : (width, height)
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                // The stored pixel that lands at (x, y) in the upright image.
                let (sx, sy): (Int, Int)
                switch orientation {
                case 2: (sx, sy) = (width - 1 - x, y)
                case 3: (sx, sy) = (width - 1 - x, height - 1 - y)
                case 4: (sx, sy) = (x, height - 1 - y)
                case 5: (sx, sy) = (y, x)
                case 6: (sx, sy) = (y, height - 1 - x)
                case 7: (sx, sy) = (width - 1 - y, height - 1 - x)
                default: (sx, sy) = (width - 1 - y, x)
                }
                out[y * w + x] = pixels[sy * width + sx]
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Area-averaging resize: every output pixel is the mean of the input area it covers, with
    /// partial pixels weighted by how much of them it covers. Antialiased when shrinking.
    public func resized(width newWidth: Int, height newHeight: Int) -> GrayImage {
        let columns = Taps(Self.coverage(from: width, to: newWidth)), rows = Taps(Self.coverage(from: height, to: newHeight))
        var horizontal = [Float](repeating: 0, count: newWidth * height)
        var out = [Float](repeating: 0, count: newWidth * newHeight)
        pixels.withUnsafeBufferPointer { pixels in
            horizontal.withUnsafeMutableBufferPointer { horizontal in
                for y in 0..<height {
                    let source = pixels.baseAddress! + y * width, target = horizontal.baseAddress! + y * newWidth
                    for x in 0..<newWidth {
                        var sum: Float = 0
                        for tap in columns.range(x) { sum += source[columns.sources[tap]] * columns.weights[tap] }
                        target[x] = sum
                    }
                }
                out.withUnsafeMutableBufferPointer { out in
                    for y in 0..<newHeight {
                        let target = out.baseAddress! + y * newWidth
                        for tap in rows.range(y) {
                            let source = horizontal.baseAddress! + rows.sources[tap] * newWidth, weight = rows.weights[tap]
                            for x in 0..<newWidth { target[x] += source[x] * weight }
                        }
                    }
                }
            }
        }
        return GrayImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// The image convolved with a Gaussian of standard deviation 1 pixel (taps to ±2), edges
    /// extended.
    public func gaussianBlurred() -> GrayImage {
        let taps: [Float] = [-2, -1, 0, 1, 2].map { exp(-$0 * $0 / 2) }
        let total = taps.reduce(0, +)
        func pass(_ source: [Float], step: (x: Int, y: Int)) -> [Float] {
            var out = source
            for y in 0..<height {
                for x in 0..<width {
                    var sum: Float = 0
                    for (k, tap) in taps.enumerated() {
                        let sx = min(width - 1, max(0, x + (k - 2) * step.x)), sy = min(height - 1, max(0, y + (k - 2) * step.y))
                        sum += tap * source[sy * width + sx]
                    }
                    out[y * width + x] = sum / total
                }
            }
            return out
        }
        return GrayImage(width: width, height: height, pixels: pass(pass(pixels, step: (1, 0)), step: (0, 1)))
    }

    /// `coverage`'s taps laid out flat, so that resizing walks plain arrays.
    private struct Taps {
        var sources: [Int] = [], weights: [Float] = []
        private var starts: [Int] = [0]

        init(_ cells: [[(Int, Float)]]) {
            for cell in cells {
                for (source, weight) in cell { sources.append(source); weights.append(weight) }
                starts.append(sources.count)
            }
        }

        func range(_ cell: Int) -> Range<Int> { starts[cell] ..< starts[cell + 1] }
    }

    /// For each of `count` output cells along an axis of `size` input pixels: the input pixels it
    /// overlaps and the fraction of the cell each covers (weights sum to 1). Upscaling by an
    /// integer factor repeats pixels exactly.
    static func coverage(from size: Int, to count: Int) -> [[(Int, Float)]] {
        let scale = Double(size) / Double(count)
        return (0..<count).map { i in
            let start = Double(i) * scale, end = Double(i + 1) * scale
            var taps: [(Int, Float)] = []
            var p = Int(start)
            while Double(p) < end && p < size {
                let overlap = min(end, Double(p + 1)) - max(start, Double(p))
                if overlap > 1e-9 { taps.append((p, Float(overlap / scale))) }
                p += 1
            }
            return taps
        }
    }

    /// The rectangle `x..<x+w`, `y..<y+h`.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> GrayImage {
        var out: [Float] = []
        out.reserveCapacity(w * h)
        for row in y ..< y + h { out.append(contentsOf: pixels[row * width + x ..< row * width + x + w]) }
        return GrayImage(width: w, height: h, pixels: out)
    }
}
