import Foundation

/// CIELAB (D65) colours of an sRGB image, (L, a, b, 0) per pixel, row after row: L in 0...100,
/// a and b roughly −128...127; Euclidean distance here is close to how different two colours look (ΔE).
struct LabImage {
    var width: Int, height: Int
    var pixels: [SIMD4<Float>]

    init(width: Int, height: Int, pixels: [SIMD4<Float>]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    init(_ image: RGBImage) {
        width = image.width
        height = image.height
        let linear = Self.linearTable, cubeRoots = Self.cubeRootTable
        let red = image.red.pixels, green = image.green.pixels, blue = image.blue.pixels
        pixels = (0 ..< width * height).map { i in
            let r = linear[Int(RGBImage.byte(red[i]))], g = linear[Int(RGBImage.byte(green[i]))], b = linear[Int(RGBImage.byte(blue[i]))]
            let x = Self.f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, cubeRoots)
            let y = Self.f(0.2126 * r + 0.7152 * g + 0.0722 * b, cubeRoots)
            let z = Self.f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883, cubeRoots)
            return SIMD4(116 * y - 16, 500 * (x - y), 200 * (y - z), 0)
        }
    }

    /// Each channel box-blurred over (2·radius + 1)², which evens out sensor noise and fine weave.
    func blurred(radius: Int) -> LabImage {
        LabImage(width: width, height: height, pixels: BoxFilter.mean(pixels, width: width, height: height, radius: radius))
    }

    /// Half the width and height (rounded down), each pixel the mean of a 2×2 block.
    func halved() -> LabImage {
        let w = max(1, width / 2), h = max(1, height / 2)
        var out = LabImage(width: w, height: h, pixels: [SIMD4<Float>](repeating: SIMD4<Float>(), count: w * h))
        for y in 0..<h {
            for x in 0..<w {
                let i = 2 * y * width + 2 * x
                out.pixels[y * w + x] = (pixels[i] + pixels[i + 1] + pixels[i + width] + pixels[i + width + 1]) / 4
            }
        }
        return out
    }

    /// sRGB's transfer curve undone, for each 8-bit value.
    private static let linearTable: [Float] = (0..<256).map { v in
        let c = Float(v) / 255
        return c <= 0.04045 ? c / 12.92 : powf((c + 0.055) / 1.055, 2.4)
    }

    /// CIELAB's f(t) = ∛t (linear near 0), from `cubeRootTable` over 0...1 with linear interpolation:
    /// within 0.0005 of the exact value (0.05 in L), far below what segmentation resolves.
    private static func f(_ t: Float, _ table: [Float]) -> Float {
        let position = max(0, min(1, t)) * Float(table.count - 2)
        let i = Int(position)
        return table[i] + (table[i + 1] - table[i]) * (position - Float(i))
    }

    private static let cubeRootTable: [Float] = (0...1024).map { i in
        let t = Float(i) / 1023
        return t > 0.008856 ? cbrtf(t) : 7.787 * t + 16.0 / 116
    }
}
