import CImageCodecs

/// Decodes PNG and JPEG images from memory, recognising the format by its magic bytes.
public struct ImageDecoder: Sendable {
    /// Images with more pixels than this are refused from their header, before any large allocation.
    public var maxPixels: Int
    /// A JPEG far larger than needed is decoded at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling),
    /// keeping its longer side at least this long; a PNG at least eight times this long is
    /// averaged down by a whole factor as it is read, keeping at least four times; 0 decodes at
    /// full size.
    public var minimumLongSide: Int
    /// Progressive JPEGs with more scans than this are refused.
    public var maxScans: Int

    public static let defaultMaxPixels = 50_000_000
    /// Encoders write 6 to 11 scans (libjpeg's and mozjpeg's progressions), and each scan is a
    /// pass over the whole image however few bytes it has (JPEG's end-of-band runs): a file of a
    /// few hundred kilobytes can hold a thousand scans of 7000 × 7000 pixels.
    public static let defaultMaxScans = 32

    public init(maxPixels: Int = defaultMaxPixels, minimumLongSide: Int = 0, maxScans: Int = defaultMaxScans) {
        self.maxPixels = maxPixels
        self.minimumLongSide = minimumLongSide
        self.maxScans = maxScans
    }

    public enum Format: Sendable { case png, jpeg }

    public static func format(of bytes: some Collection<UInt8>) -> Format? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    public func decode(_ bytes: [UInt8]) throws(ImageError) -> DecodedImage {
        guard !bytes.isEmpty else { throw .unreadable("empty file") }
        guard let format = Self.format(of: bytes) else { throw .unreadable("not a PNG or JPEG image") }
        var result = cic_image()
        let status = bytes.withUnsafeBufferPointer { buffer in
            switch format {
            case .png: cic_decode_png(buffer.baseAddress, buffer.count, UInt64(maxPixels), Int32(minimumLongSide), &result)
            case .jpeg: cic_decode_jpeg(buffer.baseAddress, buffer.count, UInt64(maxPixels), Int32(minimumLongSide), Int32(maxScans), &result)
            }
        }
        defer { cic_release(&result) }
        let message = codecMessage(result.message)
        let name = format == .png ? "PNG" : "JPEG"
        switch status {
        case CIC_OK: break
        case CIC_TOO_LARGE: throw .tooLarge(message)
        default: throw .unreadable("damaged \(name): \(message)")
        }
        let layout = DecodedImage.Layout(rawValue: Int(result.channels))!
        let count = Int(result.width) * Int(result.height) * layout.channels
        return DecodedImage(width: Int(result.width), height: Int(result.height), layout: layout,
                            pixels: Array(UnsafeBufferPointer(start: result.pixels, count: count)),
                            orientation: Int(result.orientation),
                            sourceWidth: Int(result.source_width), sourceHeight: Int(result.source_height))
    }
}

/// Why an image cannot be used, in words for `cnnclassify: PATH: reason`.
public enum ImageError: Error, Equatable, CustomStringConvertible {
    case unreadable(String)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .unreadable(let reason): reason
        case .tooLarge(let reason): reason + " (raise it with --max-pixels)"
        }
    }
}

/// The NUL-terminated message a CImageCodecs call left in its fixed-size buffer.
func codecMessage<Buffer>(_ buffer: Buffer) -> String {
    withUnsafeBytes(of: buffer) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}
