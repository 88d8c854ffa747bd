import Imaging
import TestSupport
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
        assertRefused(ImageSurgery.withBadIDATChecksum(png), saying: "CRC error")
    }

    /// The chunks' CRCs cover the compressed stream, so the Adler-32 of the inflated bytes is not
    /// checked again (libpng's PNG_IGNORE_ADLER32, as browsers set it): the pixels are the same.
    func testPNGWhoseOnlyFaultIsTheZlibAdler32DecodesToTheSamePixels() throws {
        let damaged = ImageSurgery.withBadAdler32(png)
        XCTAssertNotEqual(damaged, png)
        XCTAssertEqual(try decoder.decode(damaged).pixels, try decoder.decode(png).pixels)
    }

    func testPNGHeaderClaimingHugeImageIsRefusedFromTheHeader() {
        assertRefused(ImageSurgery.claimingSize(png, width: 100_000, height: 100_000),
                      saying: "100000x100000 pixels, over the limit of 50000000 pixels")
        assertRefused(png, decoder: ImageDecoder(maxPixels: 1000), saying: "over the limit of 1000 pixels")
    }

    func testTruncatedJPEG() {
        assertRefused(Array(jpeg.prefix(jpeg.count * 2 / 3)), saying: "damaged JPEG")
    }

    func testJPEGWithGarbageAfterTheHeader() {
        assertRefused(ImageSurgery.jpegWithGarbage(jpeg), saying: "damaged JPEG")
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
        // Counted before decoding: the first scan's damaged data is never reached.
        var damaged = file
        let firstScan = try XCTUnwrap((0 ..< damaged.count - 1).first { damaged[$0] == 0xFF && damaged[$0 + 1] == 0xDA })
        let data = firstScan + 2 + Int(damaged[firstScan + 2]) << 8 + Int(damaged[firstScan + 3])
        damaged.replaceSubrange(data ..< data + 4, with: [0x12, 0xFF, 0xD5, 0x34])
        assertRefused(damaged, decoder: ImageDecoder(maxScans: 2), saying: "more than 2 scans")
        XCTAssertThrowsError(try ImageDecoder().decode(damaged))
    }
}
