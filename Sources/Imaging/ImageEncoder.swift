import CImageCodecs

/// Writes PNG and JPEG files: the network inputs of `--save-input`, and test images of every kind.
public enum ImageEncoder {
    /// PNG colour types, as libpng numbers them.
    public enum PNGColorType: Int32, Sendable { case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6 }

    /// An 8-bit grayscale PNG.
    public static func grayPNG(_ pixels: [UInt8], width: Int, height: Int) throws(ImageError) -> [UInt8] {
        try png(rows: pixels, rowBytes: width, width: width, height: height, colorType: .gray, bitDepth: 8)
    }

    /// A PNG from rows already packed for `bitDepth` (16-bit samples big-endian).
    public static func png(rows: [UInt8], rowBytes: Int, width: Int, height: Int, colorType: PNGColorType, bitDepth: Int,
                           interlaced: Bool = false, palette: [UInt8] = [], transparency: [UInt8] = []) throws(ImageError) -> [UInt8] {
        precondition(rows.count == rowBytes * height)
        var buffer = cic_buffer()
        let status = rows.withUnsafeBufferPointer { r in
            palette.withUnsafeBufferPointer { p in
                transparency.withUnsafeBufferPointer { t in
                    cic_encode_png(r.baseAddress, rowBytes, Int32(width), Int32(height), colorType.rawValue, Int32(bitDepth),
                                   interlaced ? 1 : 0, p.baseAddress, Int32(palette.count / 3), t.baseAddress, Int32(transparency.count), &buffer)
                }
            }
        }
        return try take(&buffer, status)
    }

    /// A JPEG from 8-bit samples: 1 channel (gray), 3 (RGB) or 4 (CMYK, Adobe-inverted; stored as
    /// YCCK with `ycck`). `exif` is a TIFF-structured EXIF block written as an APP1 segment.
    public static func jpeg(_ pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int = 90,
                            progressive: Bool = false, ycck: Bool = false, exif: [UInt8] = []) throws(ImageError) -> [UInt8] {
        precondition(pixels.count == width * height * channels)
        var buffer = cic_buffer()
        let status = pixels.withUnsafeBufferPointer { p in
            exif.withUnsafeBufferPointer { e in
                cic_encode_jpeg(p.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(quality), progressive ? 1 : 0,
                                ycck ? 1 : 0, e.baseAddress, exif.count, &buffer)
            }
        }
        return try take(&buffer, status)
    }

    private static func take(_ buffer: inout cic_buffer, _ status: cic_status) throws(ImageError) -> [UInt8] {
        defer { cic_release_buffer(&buffer) }
        guard status == CIC_OK else {
            throw .unreadable(codecMessage(buffer.message))
        }
        return Array(UnsafeBufferPointer(start: buffer.data, count: buffer.size))
    }
}
