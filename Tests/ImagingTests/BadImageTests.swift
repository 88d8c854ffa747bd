import Imaging
import XCTest

/// Damaged and hostile inputs: each is refused with a reason, never decoded into garbage.
final class BadImageTests: XCTestCase {
    private let decoder = ImageDecoder()

    private func assertRefused(_ bytes: [UInt8], decoder: ImageDecoder? = nil, saying expected: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try (decoder ?? self.decoder).decode(bytes)
            XCTFail("decoded, but should have been refused (\(expected))", file: file, line: line)
        } catch {
            XCTAssertTrue(error.description.contains(expected), "\(error) does not say \(expected)", file: file, line: line)
        }
    }

    private var png: [UInt8] {
        try! ImageEncoder.png(rows: (0..<32 * 32).map { UInt8($0 % 251) }, rowBytes: 32, width: 32, height: 32, colorType: .gray, bitDepth: 8)
    }

    private var jpeg: [UInt8] {
        try! ImageEncoder.jpeg((0..<64 * 64).map { UInt8(($0 * 7) % 256) }, width: 64, height: 64, channels: 1)
    }

    /// CRC-32 as PNG computes it over a chunk's type and data.
    private func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    func testEmptyAndNonImages() {
        assertRefused([], saying: "empty file")
        assertRefused(Array("just some text\n".utf8), saying: "not a PNG or JPEG image")
        assertRefused(Array("GIF89a".utf8) + [0, 0, 0, 0], saying: "not a PNG or JPEG image")
    }

    func testTruncatedPNG() {
        assertRefused(Array(png.prefix(png.count / 2)), saying: "damaged PNG")
        assertRefused(Array(png.prefix(20)), saying: "damaged PNG")
    }

    func testPNGWithBadCRC() {
        var bytes = png
        // The first data byte of IDAT (after the 8-byte signature and the 25-byte IHDR chunk).
        let idat = 8 + 25
        XCTAssertEqual(String(decoding: bytes[idat + 4 ..< idat + 8], as: UTF8.self), "IDAT")
        let length = bytes[idat ..< idat + 4].reduce(0) { $0 << 8 | Int($1) }
        bytes[idat + 8 + length] ^= 0xFF   // the chunk's stored CRC
        assertRefused(bytes, saying: "CRC error")
    }

    func testPNGHeaderClaimingHugeImageIsRefusedFromTheHeader() {
        var bytes = png
        // IHDR data starts at 16: width and height, then a CRC over type and data.
        bytes.replaceSubrange(16..<24, with: bigEndian(100_000) + bigEndian(100_000))
        bytes.replaceSubrange(29..<33, with: bigEndian(crc32(bytes[12..<29])))
        assertRefused(bytes, saying: "100000x100000 pixels, over the limit of 50000000 pixels")
        assertRefused(png, decoder: ImageDecoder(maxPixels: 1000), saying: "over the limit of 1000 pixels")
    }

    func testTruncatedJPEG() {
        assertRefused(Array(jpeg.prefix(jpeg.count * 2 / 3)), saying: "damaged JPEG")
    }

    func testJPEGWithGarbageAfterTheHeader() {
        var bytes = jpeg
        // Overwrite the entropy-coded data after the start-of-scan marker with noise.
        let sos = (0 ..< bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA }!
        for i in sos + 20 ..< bytes.count - 2 { bytes[i] = UInt8((i * 131) % 256) | 0x01 }
        assertRefused(bytes, saying: "damaged JPEG")
    }

    func testJPEGHeaderClaimingHugeImage() {
        var bytes = jpeg
        let sof = (0 ..< bytes.count - 1).first { bytes[$0] == 0xFF && (bytes[$0 + 1] == 0xC0 || bytes[$0 + 1] == 0xC2) }!
        // SOF: marker, length (2), precision (1), height (2), width (2).
        bytes.replaceSubrange(sof + 5 ..< sof + 9, with: [0xEA, 0x60, 0xEA, 0x60])   // 60,000 × 60,000
        assertRefused(bytes, saying: "60000x60000 pixels, over the limit")
    }

    func testProgressiveJPEGWithTooManyScansIsRefused() throws {
        let file = try ImageEncoder.jpeg((0..<64 * 64).map { UInt8($0 % 256) }, width: 64, height: 64, channels: 1, progressive: true)
        assertRefused(file, decoder: ImageDecoder(maxScans: 2), saying: "more than 2 scans")
        XCTAssertNoThrow(try ImageDecoder().decode(file))
    }
}
