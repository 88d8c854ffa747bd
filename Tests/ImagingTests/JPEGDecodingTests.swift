import Imaging
import XCTest

final class JPEGDecodingTests: XCTestCase {
    private let decoder = ImageDecoder()

    private func assertClose(_ actual: [UInt8], _ expected: [UInt8], tolerance: Int, _ message: String = "",
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
        let worst = zip(actual, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, message, file: file, line: line)
    }

    func testBaselineAndProgressiveGrayAndRGB() throws {
        for progressive in [false, true] {
            let gray = [UInt8](repeating: 100, count: 16 * 16)
            let grayFile = try ImageEncoder.jpeg(gray, width: 16, height: 16, channels: 1, progressive: progressive)
            XCTAssertEqual(ImageDecoder.format(of: grayFile), .jpeg)
            let decodedGray = try decoder.decode(grayFile)
            XCTAssertEqual(decodedGray.layout, .gray)
            assertClose(decodedGray.pixels, gray, tolerance: 1, "gray, progressive \(progressive)")

            let rgb = (0..<16 * 16).flatMap { _ in [200, 50, 10] as [UInt8] }
            let decoded = try decoder.decode(try ImageEncoder.jpeg(rgb, width: 16, height: 16, channels: 3, quality: 95, progressive: progressive))
            XCTAssertEqual(decoded.layout, .rgb)
            assertClose(decoded.pixels, rgb, tolerance: 4, "RGB, progressive \(progressive)")
        }
    }

    func testAdobeCMYKAndYCCK() throws {
        let cmyk = (0..<16 * 16).flatMap { _ in [255, 128, 255, 200] as [UInt8] }
        for ycck in [false, true] {
            let file = try ImageEncoder.jpeg(cmyk, width: 16, height: 16, channels: 4, quality: 95, ycck: ycck)
            let decoded = try decoder.decode(file)
            XCTAssertEqual(decoded.layout, .invertedCMYK)
            assertClose(decoded.pixels, cmyk, tolerance: 3, "YCCK \(ycck)")
        }
    }

    /// A TIFF block holding only IFD0 with an Orientation entry.
    static func exif(orientation: Int) -> [UInt8] {
        ["I", "I"].map { UInt8(ascii: $0) } + [42, 0, 8, 0, 0, 0] + [1, 0]
            + [0x12, 0x01, 3, 0, 1, 0, 0, 0, UInt8(orientation), 0, 0, 0] + [0, 0, 0, 0]
    }

    /// A stored 3×2-block image (blocks of 8×8, gray levels 20…220) turned upright for each EXIF
    /// orientation must show the blocks where a camera's viewer would.
    func testEXIFOrientationsTurnTheImageUpright() throws {
        let levels: [[UInt8]] = [[20, 60, 100], [140, 180, 220]]   // stored: 2 rows × 3 columns of blocks
        var stored = [UInt8](repeating: 0, count: 24 * 16)
        for y in 0..<16 { for x in 0..<24 { stored[y * 24 + x] = levels[y / 8][x / 8] } }
        // The upright block grid for each orientation, read off the EXIF definitions.
        let expected: [Int: [[UInt8]]] = [
            1: [[20, 60, 100], [140, 180, 220]],
            2: [[100, 60, 20], [220, 180, 140]],
            3: [[220, 180, 140], [100, 60, 20]],
            4: [[140, 180, 220], [20, 60, 100]],
            5: [[20, 140], [60, 180], [100, 220]],
            6: [[140, 20], [180, 60], [220, 100]],
            7: [[220, 100], [180, 60], [140, 20]],
            8: [[100, 220], [60, 180], [20, 140]],
        ]
        for orientation in 1...8 {
            let file = try ImageEncoder.jpeg(stored, width: 24, height: 16, channels: 1, quality: 100, exif: Self.exif(orientation: orientation))
            let decoded = try decoder.decode(file)
            XCTAssertEqual(decoded.orientation, orientation)
            let upright = GrayImage(decoded)
            let grid = expected[orientation]!
            XCTAssertEqual([upright.width, upright.height], [grid[0].count * 8, grid.count * 8], "orientation \(orientation)")
            for (by, row) in grid.enumerated() {
                for (bx, level) in row.enumerated() {
                    XCTAssertEqual(upright[bx * 8 + 4, by * 8 + 4], Float(level), accuracy: 3, "orientation \(orientation), block (\(bx), \(by))")
                }
            }
        }
    }

    func testDCTScalingShrinksLargeImages() throws {
        let big = [UInt8](repeating: 90, count: 256 * 192)
        let file = try ImageEncoder.jpeg(big, width: 256, height: 192, channels: 1)
        let scaled = try ImageDecoder(minimumLongSide: 60).decode(file)
        XCTAssertEqual([scaled.width, scaled.height], [64, 48], "1/4 keeps the long side ≥ 60; 1/8 would not")
        XCTAssertEqual([scaled.sourceWidth, scaled.sourceHeight], [256, 192])
        XCTAssertEqual(try ImageDecoder().decode(file).width, 256)
    }
}
