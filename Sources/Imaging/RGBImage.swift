/// A colour image as three planes of Float samples in 0...255 (red, green, blue), upright, with
/// transparent parts composited onto white — the colours a person sees.
public struct RGBImage: Sendable, Equatable {
    public var red: GrayImage
    public var green: GrayImage
    public var blue: GrayImage

    public var width: Int { red.width }
    public var height: Int { red.height }

    public init(red: GrayImage, green: GrayImage, blue: GrayImage) {
        precondition(red.width == green.width && red.width == blue.width && red.height == green.height && red.height == blue.height)
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// The image shrunk (never enlarged) so that its longer side is at most `longSide`, then
    /// turned upright according to its EXIF orientation. Shrinking first keeps the cost of a
    /// large photo to one pass over its pixels.
    public init(_ image: DecodedImage, longSide: Int) {
        let n = image.width * image.height
        var red = [Float](repeating: 0, count: n), green = red, blue = red
        image.pixels.withUnsafeBufferPointer { p in
            red.withUnsafeMutableBufferPointer { red in
                green.withUnsafeMutableBufferPointer { green in
                    blue.withUnsafeMutableBufferPointer { blue in
                        func put(_ i: Int, _ r: Float, _ g: Float, _ b: Float) {
                            red[i] = r; green[i] = g; blue[i] = b
                        }
                        switch image.layout {
                        case .gray:
                            for i in 0..<n { let v = Float(p[i]); put(i, v, v, v) }
                        case .grayAlpha:
                            for i in 0..<n { let v = GrayImage.overWhite(Float(p[2 * i]), alpha: p[2 * i + 1]); put(i, v, v, v) }
                        case .rgb:
                            for i in 0..<n { put(i, Float(p[3 * i]), Float(p[3 * i + 1]), Float(p[3 * i + 2])) }
                        case .rgba:
                            for i in 0..<n {
                                let a = p[4 * i + 3]
                                put(i, GrayImage.overWhite(Float(p[4 * i]), alpha: a), GrayImage.overWhite(Float(p[4 * i + 1]), alpha: a),
                                    GrayImage.overWhite(Float(p[4 * i + 2]), alpha: a))
                            }
                        case .invertedCMYK:
                            for i in 0..<n {
                                let k = Float(p[4 * i + 3]) / 255
                                put(i, Float(p[4 * i]) * k, Float(p[4 * i + 1]) * k, Float(p[4 * i + 2]) * k)
                            }
                        }
                    }
                }
            }
        }
        let scale = min(1, Double(longSide) / Double(max(image.width, image.height)))
        let w = max(1, Int((Double(image.width) * scale).rounded())), h = max(1, Int((Double(image.height) * scale).rounded()))
        let fitted = [red, green, blue].map { plane -> GrayImage in
            let full = GrayImage(width: image.width, height: image.height, pixels: plane)
            return (w == image.width && h == image.height ? full : full.resized(width: w, height: h)).oriented(image.orientation)
        }
        self.init(red: fitted[0], green: fitted[1], blue: fitted[2])
    }

    /// Luma with the ITU-R BT.601 weights, as `GrayImage(_:)` computes it.
    public var luma: GrayImage {
        var out = red
        for i in out.pixels.indices {
            out.pixels[i] = 0.299 * red.pixels[i] + 0.587 * green.pixels[i] + 0.114 * blue.pixels[i]
        }
        return out
    }

    /// The pixels interleaved as 8-bit RGB, for pictures.
    public var interleaved: [UInt8] {
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0 ..< width * height {
            out[3 * i] = Self.byte(red.pixels[i])
            out[3 * i + 1] = Self.byte(green.pixels[i])
            out[3 * i + 2] = Self.byte(blue.pixels[i])
        }
        return out
    }

    static func byte(_ value: Float) -> UInt8 { UInt8(max(0, min(255, value.rounded()))) }
}
