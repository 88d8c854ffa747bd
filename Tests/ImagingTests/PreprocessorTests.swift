import CNN
import Foundation
import Imaging
import TestSupport
import XCTest

final class PreprocessorTests: XCTestCase {
    private func gray(_ bytes: [UInt8], width: Int, height: Int) -> GrayImage {
        GrayImage(width: width, height: height, pixels: bytes.map(Float.init))
    }

    func testA28x28CropPassesThroughUnchanged() {
        let crop = SyntheticData.images(count: 1).pixels
        XCTAssertEqual(Preprocessor().process(gray(crop, width: 28, height: 28)), crop)
        // A light-background crop is only inverted.
        XCTAssertEqual(Preprocessor().process(gray(crop.map { 255 - $0 }, width: 28, height: 28)), crop)
        XCTAssertEqual(Preprocessor(polarity: .never).process(gray(crop.map { 255 - $0 }, width: 28, height: 28)), crop.map { 255 - $0 })
    }

    func testAreaAveragingResize() {
        let image = gray([0, 255, 0, 255, 100, 100, 100, 100], width: 4, height: 2)
        XCTAssertEqual(image.resized(width: 2, height: 1).pixels, [113.75, 113.75])
        XCTAssertEqual(gray([10, 20], width: 2, height: 1).resized(width: 4, height: 2).pixels, [10, 10, 20, 20, 10, 10, 20, 20])
        // Shrinking by 3 to 2: each output covers 1.5 input pixels.
        XCTAssertEqual(gray([0, 90, 180], width: 3, height: 1).resized(width: 2, height: 1).pixels, [30, 150])
    }

    /// An impulse spreads as the normalised taps e^(−d²/2), d = −2…2, in x times the same in y;
    /// a constant stays constant up to the edges.
    func testGaussianBlurByHand() {
        var impulse = [UInt8](repeating: 0, count: 49)
        impulse[24] = 1
        let blurred = gray(impulse, width: 7, height: 7).gaussianBlurred()
        let total = 1 + 2 * exp(-0.5) + 2 * exp(-2.0)
        func tap(_ d: Int) -> Double { exp(-Double(d * d) / 2) / total }
        for y in 0..<7 {
            for x in 0..<7 {
                let expected = abs(x - 3) > 2 || abs(y - 3) > 2 ? 0 : tap(x - 3) * tap(y - 3)
                XCTAssertEqual(Double(blurred[x, y]), expected, accuracy: 1e-6, "(\(x), \(y))")
            }
        }
        XCTAssertEqual(Double(blurred.pixels.reduce(0, +)), 1, accuracy: 1e-5)
        XCTAssertEqual(gray([UInt8](repeating: 90, count: 12), width: 4, height: 3).gaussianBlurred().pixels.map { $0.rounded() },
                       [Float](repeating: 90, count: 12))
    }

    func testObjectIsTrimmedScaledAndCentred() {
        // A 40×21 dark rectangle in a white 200×100 image: becomes a centred 28×15 bright block, the
        // odd row of margin at the top.
        var pixels = [UInt8](repeating: 255, count: 200 * 100)
        for y in 30..<51 { for x in 100..<140 { pixels[y * 200 + x] = 0 } }
        let out = Preprocessor().process(gray(pixels, width: 200, height: 100))
        for y in 0..<28 {
            for x in 0..<28 {
                XCTAssertEqual(out[y * 28 + x], (7..<22).contains(y) ? 255 : 0, "(\(x), \(y))")
            }
        }
    }

    /// A t10k image drawn dark on white, 10× larger, off-centre on a wide canvas, comes back
    /// close to the original 28×28.
    func testPhotoOfAT10kImageLandsNearTheOriginal() throws {
        let test = try RealData.load(.test)
        var checked = 0
        for index in 0..<200 where checked < 20 {
            let original = Array(test.pixels[index * 784 ..< (index + 1) * 784])
            // Only images whose object already fills the 28 pixels one way and reaches full brightness,
            // as preprocessing makes it.
            let rows = (0..<28).filter { y in (0..<28).contains { original[y * 28 + $0] > 10 } }
            let columns = (0..<28).filter { x in (0..<28).contains { original[$0 * 28 + x] > 10 } }
            guard rows.count == 28 || columns.count == 28, original.max() == 255 else { continue }
            checked += 1
            let photo = ImageFixtures.photo(test, index, scale: 10, left: 130, top: 40, width: 600, height: 400)
            let out = Preprocessor().process(gray(photo, width: 600, height: 400))
            let meanError = zip(out, original).map { abs(Double($0) - Double($1)) }.reduce(0, +) / 784
            XCTAssertLessThan(meanError, 12, "t10k image \(index)")
        }
        XCTAssertEqual(checked, 20)
    }

    /// The rectangle of `testObjectIsTrimmedScaledAndCentred` photographed badly: the background
    /// darkens by 30 levels from one corner to the other, every pixel has noise (σ = 4), and three
    /// specks of dust sit far from the object. The input is the same clean block.
    func testUnevenNoisyBackgroundAndSpecksAreIgnored() {
        var random = RandomSource(seed: 5)
        var pixels = [Float](repeating: 0, count: 200 * 100)
        for y in 0..<100 {
            for x in 0..<200 {
                let background = 240 - 20 * Float(x) / 199 - 10 * Float(y) / 99
                let inside = (30..<51).contains(y) && (100..<140).contains(x)
                pixels[y * 200 + x] = min(255, max(0, (inside ? 20 : background) + 4 * random.nextNormal()))
            }
        }
        for (x, y) in [(5, 5), (190, 90), (20, 80)] { pixels[y * 200 + x] = 0 }
        let out = Preprocessor().process(GrayImage(width: 200, height: 100, pixels: pixels))
        var wrong = 0
        for y in 0..<28 {
            for x in 0..<28 {
                let expected: Float = (7..<22).contains(y) ? 255 : 0
                if abs(Float(out[y * 28 + x]) - expected) > 40 { wrong += 1 }
            }
        }
        XCTAssertEqual(wrong, 0, "\(out)")
    }
}
