import CNN
import Foundation
import Imaging

/// Image files made from labelled 28×28 images, for classify tests.
public enum ImageFixtures {
    /// The 28×28 image `index` of `images` as an 8-bit gray PNG.
    public static func png(_ images: LabeledImages, _ index: Int) throws -> [UInt8] {
        try ImageEncoder.grayPNG(Array(images.pixels[index * 784 ..< (index + 1) * 784]), width: 28, height: 28)
    }

    /// A photo-like version: dark object on a white background, upscaled `scale` times (each
    /// pixel a `scale`×`scale` block), placed at (`left`, `top`) on a `width`×`height` canvas.
    public static func photo(_ images: LabeledImages, _ index: Int, scale: Int, left: Int, top: Int,
                             width: Int, height: Int) -> [UInt8] {
        var canvas = [UInt8](repeating: 255, count: width * height)
        for y in 0..<28 * scale {
            for x in 0..<28 * scale {
                canvas[(top + y) * width + left + x] = 255 - images.pixels[index * 784 + (y / scale) * 28 + x / scale]
            }
        }
        return canvas
    }

    /// A photo only colour segmentation reads: image `index` of `images` upscaled `scale` times,
    /// its object an orange garment on noisy blue-gray stripes `margin` pixels wide all round, as
    /// an RGB PNG.
    public static func colourPhoto(_ images: LabeledImages, _ index: Int, scale: Int, margin: Int) throws -> [UInt8] {
        let side = 28 * scale + 2 * margin
        var random = RandomSource(seed: UInt64(index + 1))
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        for y in 0..<side {
            for x in 0..<side {
                let (u, v) = ((x - margin) / scale, (y - margin) / scale)
                let inside = x >= margin && y >= margin && u < 28 && v < 28 && images.pixels[index * 784 + v * 28 + u] > 64
                let colour: [Float] = inside ? [230, 120, 40] : (x / 6) % 2 == 0 ? [110, 150, 190] : [95, 132, 170]
                for c in 0..<3 { pixels[(y * side + x) * 3 + c] = UInt8(max(0, min(255, colour[c] + 6 * random.nextNormal()))) }
            }
        }
        return try ImageEncoder.png(rows: pixels, rowBytes: side * 3, width: side, height: side, colorType: .rgb, bitDepth: 8)
    }

    public static func write(_ bytes: [UInt8], to path: String) {
        precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
    }
}

/// Surgery on PNG and JPEG files for tests of damaged and hostile inputs.
public enum ImageSurgery {
    /// The PNG with its IHDR claiming `width`×`height`, checksum recomputed so only the size is wrong.
    public static func claimingSize(_ png: [UInt8], width: UInt32, height: UInt32) -> [UInt8] {
        var bytes = png
        // IHDR's data starts at 16 (signature 8, length 4, type 4): width and height, then a CRC
        // over type and data at 29.
        bytes.replaceSubrange(16..<24, with: bigEndian(width) + bigEndian(height))
        bytes.replaceSubrange(29..<33, with: bigEndian(crc32(bytes[12..<29])))
        return bytes
    }

    /// The PNG with the stored checksum of its first IDAT chunk flipped.
    public static func withBadIDATChecksum(_ png: [UInt8]) -> [UInt8] {
        var bytes = png
        let idat = 8 + 25   // the chunk after the signature and IHDR
        precondition(String(decoding: bytes[idat + 4 ..< idat + 8], as: UTF8.self) == "IDAT")
        let length = bytes[idat ..< idat + 4].reduce(0) { $0 << 8 | Int($1) }
        bytes[idat + 8 + length] ^= 0xFF
        return bytes
    }

    /// The PNG with the Adler-32 that ends its zlib stream (the last four bytes of its only IDAT
    /// chunk) damaged and the chunk's CRC recomputed, as a writer with a faulty zlib would leave it.
    public static func withBadAdler32(_ png: [UInt8]) -> [UInt8] {
        var bytes = png
        let idat = 8 + 25
        precondition(String(decoding: bytes[idat + 4 ..< idat + 8], as: UTF8.self) == "IDAT")
        let length = bytes[idat ..< idat + 4].reduce(0) { $0 << 8 | Int($1) }
        precondition(String(decoding: bytes[idat + 16 + length ..< idat + 20 + length], as: UTF8.self) == "IEND",
                     "one IDAT chunk expected")
        bytes[idat + 8 + length - 1] ^= 0xFF
        bytes.replaceSubrange(idat + 8 + length ..< idat + 12 + length,
                              with: bigEndian(crc32(bytes[idat + 4 ..< idat + 8 + length])))
        return bytes
    }

    /// The JPEG with its entropy-coded data after the start of scan overwritten with noise.
    public static func jpegWithGarbage(_ jpeg: [UInt8]) -> [UInt8] {
        var bytes = jpeg
        let sos = (0 ..< bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA }!
        for i in sos + 20 ..< bytes.count - 2 { bytes[i] = UInt8((i * 131) % 256) | 1 }
        return bytes
    }

    /// CRC-32 as PNG computes it.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
