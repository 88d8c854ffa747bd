import Imaging

/// An RGB raster for the PNG pictures: filled rectangles, enlarged 28×28 inputs, heatmaps and
/// bitmap-font text.
public struct RGBCanvas {
    public typealias Color = (r: UInt8, g: UInt8, b: UInt8)

    public let width: Int
    public let height: Int
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, background: Color = (255, 255, 255)) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: Color) {
        for yy in max(0, y) ..< min(height, y + h) {
            for xx in max(0, x) ..< min(width, x + w) { set(xx, yy, color) }
        }
    }

    /// A gray image (`side × side` bytes) enlarged `scale` times, each pixel a square, at (x, y).
    public mutating func drawGray(_ image: [UInt8], side: Int, x: Int, y: Int, scale: Int) {
        for (i, value) in image.enumerated() {
            fill(x: x + (i % side) * scale, y: y + (i / side) * scale, width: scale, height: scale, color: (value, value, value))
        }
    }

    /// Another canvas copied in, its top-left corner at (x, y), clipped to this one.
    public mutating func draw(_ picture: RGBCanvas, x: Int, y: Int) {
        for yy in 0..<picture.height where y + yy >= 0 && y + yy < height {
            for xx in 0..<picture.width where x + xx >= 0 && x + xx < width { set(x + xx, y + yy, picture.color(atX: xx, y: yy)) }
        }
    }

    /// Text in the bitmap font, each font pixel `scale × scale`, top-left corner at (x, y).
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int = 1, color: Color = (0, 0, 0)) {
        for (i, character) in text.enumerated() {
            let left = x + i * BitmapFont.advance * scale
            for (row, bits) in BitmapFont.rows(character).enumerated() {
                for column in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - column)) != 0 {
                    fill(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
        }
    }

    public func color(atX x: Int, y: Int) -> Color {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    public func png() throws(ImageError) -> [UInt8] {
        try ImageEncoder.png(rows: pixels, rowBytes: width * 3, width: width, height: height, colorType: .rgb, bitDepth: 8)
    }

    private mutating func set(_ x: Int, _ y: Int, _ c: Color) {
        let i = (y * width + x) * 3
        pixels[i] = c.r; pixels[i + 1] = c.g; pixels[i + 2] = c.b
    }
}
