/// A decoded image, 8 bits per channel, rows packed, in the orientation it was stored with.
public struct DecodedImage: Sendable, Equatable {
    public enum Layout: Int, Sendable {
        case gray = 1, grayAlpha = 2, rgb = 3, rgba = 4
        /// Four channels of CMYK as Adobe writes it in JPEG: inverted, 255 meaning no ink.
        case invertedCMYK = 5

        public var channels: Int { self == .invertedCMYK ? 4 : rawValue }
        public var hasAlpha: Bool { self == .grayAlpha || self == .rgba }
    }

    public var width: Int
    public var height: Int
    public var layout: Layout
    public var pixels: [UInt8]
    /// EXIF orientation, 1–8 (1: as stored).
    public var orientation: Int
    /// Size in the file, before any reduced-size decoding.
    public var sourceWidth: Int
    public var sourceHeight: Int

    public init(width: Int, height: Int, layout: Layout, pixels: [UInt8], orientation: Int = 1,
                sourceWidth: Int? = nil, sourceHeight: Int? = nil) {
        precondition(pixels.count == width * height * layout.channels)
        self.width = width
        self.height = height
        self.layout = layout
        self.pixels = pixels
        self.orientation = orientation
        self.sourceWidth = sourceWidth ?? width
        self.sourceHeight = sourceHeight ?? height
    }
}
