import Imaging
import XCTest

/// Every PNG colour type and bit depth, written by libpng and decoded back to known pixels.
final class PNGDecodingTests: XCTestCase {
    private let decoder = ImageDecoder()

    /// Packs samples of `bits` bits (≤ 8) into rows, most significant first, as PNG stores them.
    private func pack(_ samples: [Int], width: Int, bits: Int) -> (rows: [UInt8], rowBytes: Int) {
        let rowBytes = (width * bits + 7) / 8
        let height = samples.count / width
        var rows = [UInt8](repeating: 0, count: rowBytes * height)
        for y in 0..<height {
            for x in 0..<width {
                let bit = x * bits
                rows[y * rowBytes + bit / 8] |= UInt8(samples[y * width + x] << (8 - bits - bit % 8))
            }
        }
        return (rows, rowBytes)
    }

    private func bigEndian16(_ samples: [Int]) -> [UInt8] { samples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }

    private func decode(_ rows: [UInt8], rowBytes: Int, width: Int, height: Int, _ type: ImageEncoder.PNGColorType, bits: Int,
                        interlaced: Bool = false, palette: [UInt8] = [], transparency: [UInt8] = []) throws -> DecodedImage {
        let file = try ImageEncoder.png(rows: rows, rowBytes: rowBytes, width: width, height: height, colorType: type, bitDepth: bits,
                                        interlaced: interlaced, palette: palette, transparency: transparency)
        XCTAssertEqual(ImageDecoder.format(of: file), .png)
        return try decoder.decode(file)
    }

    func testGrayLowBitDepthsScaleToFullRange() throws {
        for (bits, factor) in [(1, 255), (2, 85), (4, 17)] {
            let maxValue = (1 << bits) - 1
            let samples = (0..<15).map { $0 % (maxValue + 1) }
            let (rows, rowBytes) = pack(samples, width: 5, bits: bits)
            let image = try decode(rows, rowBytes: rowBytes, width: 5, height: 3, .gray, bits: bits)
            XCTAssertEqual(image.layout, .gray)
            XCTAssertEqual(image.pixels, samples.map { UInt8($0 * factor) }, "\(bits)-bit gray")
        }
    }

    func testGray8And16() throws {
        let eight: [UInt8] = [0, 1, 127, 128, 254, 255]
        XCTAssertEqual(try decode(eight, rowBytes: 3, width: 3, height: 2, .gray, bits: 8).pixels, eight)
        // 16-bit samples that are multiples of 257 scale to exactly v / 257.
        let sixteen = [0, 257, 257 * 100, 257 * 200, 65535, 257 * 37]
        XCTAssertEqual(try decode(bigEndian16(sixteen), rowBytes: 6, width: 3, height: 2, .gray, bits: 16).pixels,
                       [0, 1, 100, 200, 255, 37])
    }

    func testGrayAlpha8And16() throws {
        let eight: [UInt8] = [10, 255, 20, 0, 30, 128]
        let image = try decode(eight, rowBytes: 6, width: 3, height: 1, .grayAlpha, bits: 8)
        XCTAssertEqual(image.layout, .grayAlpha)
        XCTAssertEqual(image.pixels, eight)
        let sixteen = try decode(bigEndian16([257 * 10, 65535, 257 * 20, 0]), rowBytes: 8, width: 2, height: 1, .grayAlpha, bits: 16)
        XCTAssertEqual(sixteen.pixels, [10, 255, 20, 0])
    }

    func testRGBAndRGBA8And16() throws {
        let rgb: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3]
        let image = try decode(rgb, rowBytes: 6, width: 2, height: 2, .rgb, bits: 8)
        XCTAssertEqual(image.layout, .rgb)
        XCTAssertEqual(image.pixels, rgb)
        XCTAssertEqual(try decode(bigEndian16([65535, 0, 257 * 9]), rowBytes: 6, width: 1, height: 1, .rgb, bits: 16).pixels, [255, 0, 9])
        let rgba: [UInt8] = [1, 2, 3, 4, 250, 251, 252, 253]
        let withAlpha = try decode(rgba, rowBytes: 8, width: 2, height: 1, .rgba, bits: 8)
        XCTAssertEqual(withAlpha.layout, .rgba)
        XCTAssertEqual(withAlpha.pixels, rgba)
        XCTAssertEqual(try decode(bigEndian16([257, 514, 771, 65535]), rowBytes: 8, width: 1, height: 1, .rgba, bits: 16).pixels, [1, 2, 3, 255])
    }

    func testPaletteWithAndWithoutTransparency() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]
        let indices = [0, 1, 2, 3, 3, 0]
        let (rows, rowBytes) = pack(indices, width: 3, bits: 4)
        let opaque = try decode(rows, rowBytes: rowBytes, width: 3, height: 2, .palette, bits: 4, palette: palette)
        XCTAssertEqual(opaque.layout, .rgb)
        XCTAssertEqual(opaque.pixels, indices.flatMap { Array(palette[3 * $0 ..< 3 * $0 + 3]) })
        // tRNS gives the first two entries alpha; the others stay opaque.
        let transparent = try decode(rows, rowBytes: rowBytes, width: 3, height: 2, .palette, bits: 4, palette: palette, transparency: [0, 128])
        XCTAssertEqual(transparent.layout, .rgba)
        let alphas: [UInt8] = [0, 128, 255, 255]
        XCTAssertEqual(transparent.pixels, indices.flatMap { Array(palette[3 * $0 ..< 3 * $0 + 3]) + [alphas[$0]] })
    }

    func testAdam7InterlacedMatchesPlain() throws {
        let width = 13, height = 11
        let rgb = (0..<width * height * 3).map { UInt8(($0 * 37) % 256) }
        let interlaced = try decode(rgb, rowBytes: width * 3, width: width, height: height, .rgb, bits: 8, interlaced: true)
        XCTAssertEqual(interlaced.pixels, rgb)
        XCTAssertEqual([interlaced.width, interlaced.height], [width, height])
    }

    func testGrayImageCompositesAlphaOntoWhiteAndUsesBT601Luma() throws {
        let rgba = DecodedImage(width: 3, height: 1, layout: .rgba, pixels: [255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 127])
        let gray = GrayImage(rgba).pixels
        XCTAssertEqual(gray[0], 0.299 * 255, accuracy: 1e-3)
        XCTAssertEqual(gray[1], 255, accuracy: 1e-3, "fully transparent is the white background")
        let green: Float = 0.587 * 127, white: Float = 255 * 128 / 255
        XCTAssertEqual(gray[2], green + white, accuracy: 1e-3)
        let cmyk = DecodedImage(width: 1, height: 1, layout: .invertedCMYK, pixels: [255, 255, 255, 128])
        XCTAssertEqual(GrayImage(cmyk).pixels[0], 128, accuracy: 1e-3, "no colour ink, half black")
    }
}

/// A PNG far larger than preprocessing needs is averaged down as it is read, never held whole.
final class LargePNGTests: XCTestCase {
    func testALargePNGIsAveragedDownByAWholeFactorAsItIsRead() throws {
        // 1,100 × 600 with minimumLongSide 128: factor 1100 / 512 = 2, so 550 × 300.
        let width = 1100, height = 600
        let gray = (0 ..< width * height).map { UInt8(truncatingIfNeeded: ($0 % width) * 7 + ($0 / width) * 3) }
        let file = try ImageEncoder.grayPNG(gray, width: width, height: height)
        let decoded = try ImageDecoder(minimumLongSide: 128).decode(file)
        XCTAssertEqual([decoded.width, decoded.height, decoded.sourceWidth, decoded.sourceHeight], [550, 300, 1100, 600])
        for (x, y) in [(0, 0), (17, 5), (549, 299), (300, 150)] {
            let block = [(0, 0), (1, 0), (0, 1), (1, 1)].map { Int(gray[(2 * y + $0.1) * width + 2 * x + $0.0]) }
            XCTAssertEqual(Int(decoded.pixels[y * 550 + x]), (block.reduce(0, +) + 2) / 4, "(\(x), \(y))")
        }
        XCTAssertEqual(try ImageDecoder(minimumLongSide: 200).decode(file).width, 1100, "under 8 × 200: read whole")
        XCTAssertEqual(try ImageDecoder().decode(file).width, 1100)
    }

    func testAnInterlacedLargePNGIsAveragedPassByPassToTheSamePixels() throws {
        // 1,100 × 603 RGBA: every Adam7 pass is non-empty, and 3 rows past the last whole block.
        let width = 1100, height = 603
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        for y in 0 ..< height {
            for x in 0 ..< width {
                let i = 4 * (y * width + x)
                rgba[i] = UInt8(truncatingIfNeeded: x * 7 + y * 3)
                rgba[i + 1] = UInt8(truncatingIfNeeded: x ^ y)
                rgba[i + 2] = UInt8(truncatingIfNeeded: y * 5)
                rgba[i + 3] = UInt8(truncatingIfNeeded: 255 - (x + y) % 200)
            }
        }
        let plain = try ImageEncoder.png(rows: rgba, rowBytes: width * 4, width: width, height: height, colorType: .rgba, bitDepth: 8)
        let interlaced = try ImageEncoder.png(rows: rgba, rowBytes: width * 4, width: width, height: height, colorType: .rgba,
                                              bitDepth: 8, interlaced: true)
        XCTAssertNotEqual(plain, interlaced)
        let fromPlain = try ImageDecoder(minimumLongSide: 128).decode(plain)
        let fromInterlaced = try ImageDecoder(minimumLongSide: 128).decode(interlaced)
        XCTAssertEqual([fromInterlaced.width, fromInterlaced.height], [550, 301])
        XCTAssertEqual(fromInterlaced.pixels, fromPlain.pixels)
        XCTAssertEqual(try ImageDecoder().decode(interlaced).pixels, rgba, "read whole, libpng combines the passes")
    }

    func testColourIsAveragedByAlphaSoTransparentPixelsDoNotBleed() throws {
        // Columns alternate opaque red and fully transparent black: a 2 × 2 block is red at half alpha.
        let width = 1024, height = 4
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        for i in 0 ..< width * height where (i % width) % 2 == 0 { rgba[4 * i] = 200; rgba[4 * i + 3] = 255 }
        let file = try ImageEncoder.png(rows: rgba, rowBytes: width * 4, width: width, height: height, colorType: .rgba, bitDepth: 8)
        let decoded = try ImageDecoder(minimumLongSide: 128).decode(file)
        XCTAssertEqual([decoded.width, decoded.height], [512, 2])
        XCTAssertEqual(Array(decoded.pixels[0..<4]), [200, 0, 0, 128])
    }
}
