import CNN
import Imaging
import XCTest

/// Segmentation of synthetic photos drawn here, where the true garment is known pixel by pixel.
final class SegmenterTests: XCTestCase {
    /// A T-shirt shape (body and two sleeves) in a 160×120 frame, its hem cut by the bottom edge.
    private func isGarment(_ x: Int, _ y: Int) -> Bool {
        let body = (45..<115).contains(x) && (30..<120).contains(y)
        let sleeves = (20..<140).contains(x) && (30..<55).contains(y)
        return body || sleeves
    }

    /// A photo the gray path cannot read: an orange garment (luma 144) on a blue-gray sheet of the
    /// same luma (143) with darker stripes and noise, a thin dark hanger line from the top edge to
    /// the collar, and a soft shadow along the garment's right side.
    private func photo() -> DecodedImage {
        let w = 160, h = 120
        var random = RandomSource(seed: 3)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                var colour: [Float]
                if isGarment(x, y) {
                    colour = [230, 120, 40]
                } else {
                    colour = (x / 6) % 2 == 0 ? [110, 150, 190] : [95, 132, 170]
                    if (115..<121).contains(x) && (34..<120).contains(y) { colour = colour.map { $0 * 0.8 } }
                }
                if x == 80 && y < 30 { colour = [40, 40, 40] }
                for c in 0..<3 { pixels[(y * w + x) * 3 + c] = UInt8(max(0, min(255, colour[c] + 6 * random.nextNormal()))) }
            }
        }
        return DecodedImage(width: w, height: h, layout: .rgb, pixels: pixels)
    }

    private func intersectionOverUnion(_ mask: ObjectMask, scale: Int) -> Double {
        var intersection = 0, union = 0
        for y in 0..<mask.height {
            for x in 0..<mask.width {
                let truth = isGarment(x * scale + scale / 2, y * scale + scale / 2)
                if truth && mask[x, y] { intersection += 1 }
                if truth || mask[x, y] { union += 1 }
            }
        }
        return Double(intersection) / Double(union)
    }

    func testGarmentCloseInLumaOnTexturedBackgroundIsFound() throws {
        let image = RGBImage(photo(), longSide: 160)
        let mask = try XCTUnwrap(Segmenter().mask(image))
        XCTAssertGreaterThan(intersectionOverUnion(mask, scale: 1), 0.93)
        // The hanger line is opened away: nothing of it above the collar.
        XCTAssertFalse((0..<24).contains { mask[80, $0] }, "hanger kept")
        // The hem touching the bottom edge stays object.
        XCTAssertTrue((50..<110).allSatisfy { mask[$0, 119] }, "hem lost at the border")
    }

    func testTheWorkingCopyIsSmallerAndStillRight() throws {
        let image = RGBImage(photo(), longSide: 80)
        XCTAssertEqual([image.width, image.height], [80, 60])
        let mask = try XCTUnwrap(Segmenter().mask(image))
        XCTAssertGreaterThan(intersectionOverUnion(mask, scale: 2), 0.9)
    }

    /// The network input from the photo: the garment bright, exactly 0 where the sheet was, fitted
    /// to 28 pixels wide; the gray path, which sees one level everywhere, finds no such shape.
    func testNetworkInputKeepsTheGarmentAndZeroesTheBackground() {
        let prepared = Preprocessor().process(photo())
        XCTAssertNotNil(prepared.mask)
        XCTAssertFalse(prepared.segmentationFailed)
        let input = prepared.pixels
        // The garment is 120 × 90 pixels: 28 × 21 after fitting, rows 4..<25 with the odd row on top.
        for y in 0..<28 {
            for x in 0..<28 {
                let value = input[y * 28 + x]
                if !(3..<26).contains(y) { XCTAssertEqual(value, 0, "(\(x), \(y)) outside the garment's rows") }
            }
        }
        let sleeveCorner = input[6 * 28 + 1], bodyCentre = input[16 * 28 + 14], besideBody = input[20 * 28 + 2]
        XCTAssertGreaterThan(sleeveCorner, 60)
        XCTAssertGreaterThan(bodyCentre, 60)
        XCTAssertEqual(besideBody, 0)
    }

    /// Input pixels (of 784) on the wrong side of 40 against the garment's own silhouette fitted to
    /// 28: its 120 × 90 box becomes 28 × 21 at rows 4..<25.
    private func silhouetteErrors(_ input: [UInt8]) -> Int {
        var wrong = 0
        for y in 0..<28 {
            for x in 0..<28 {
                let truth = (4..<25).contains(y) && isGarment(20 + x * 120 / 28 + 2, 30 + (y - 4) * 90 / 21 + 2)
                if truth != (input[y * 28 + x] > 40) { wrong += 1 }
            }
        }
        return wrong
    }

    /// Colour segmentation gives the garment's shape (as cut, before softening); the gray path,
    /// which sees one level in garment and sheet, gives the sheet's stripes.
    func testColourFindsWhatGrayCannot() {
        var unsoftened = Preprocessor()
        unsoftened.softening = 0
        XCTAssertLessThan(silhouetteErrors(unsoftened.process(photo()).pixels), 30)
        XCTAssertGreaterThan(silhouetteErrors(Preprocessor().process(GrayImage(photo()))), 150)
    }

    func testAFlatImageIsAnEvenBackgroundWithNothingOnIt() {
        let flat = DecodedImage(width: 64, height: 48, layout: .rgb, pixels: [UInt8](repeating: 128, count: 64 * 48 * 3))
        XCTAssertNil(Segmenter().mask(RGBImage(flat, longSide: 128)))
        let prepared = Preprocessor().process(flat)
        XCTAssertNil(prepared.photo, "the gray path, for an even background")
        XCTAssertEqual(prepared.pixels, [UInt8](repeating: 0, count: 784), "an empty input, which classify flags")
    }

    func testWhereSegmentationFindsNothingTheGrayPathAnswersAndSaysSo() {
        // Too narrow to segment, and noisy: not an even background either.
        var random = RandomSource(seed: 5)
        let pixels = (0 ..< 6 * 40 * 3).map { _ in UInt8(max(0, min(255, 128 + 6 * random.nextNormal()))) }
        let strip = DecodedImage(width: 6, height: 40, layout: .rgb, pixels: pixels)
        let prepared = Preprocessor().process(strip)
        XCTAssertTrue(prepared.segmentationFailed)
        XCTAssertEqual(prepared.pixels.count, 784)
    }

    /// A product shot: the garment in light gray (200) on an even white (250), its middle paler
    /// still (240, a fold catching the light). Colour clusters give that pale part to a background
    /// so close; the gray path built for such shots keeps it. With an alpha channel (a cut-out)
    /// the same picture is segmented in colour.
    private func productShot(alpha: Bool) -> DecodedImage {
        let w = 160, h = 120, channels = alpha ? 4 : 3
        var pixels = [UInt8](repeating: 255, count: w * h * channels)
        for y in 0..<h {
            for x in 0..<w {
                let level: UInt8 = !isGarment(x, y) ? 250 : (60..<100).contains(x) && (60..<100).contains(y) ? 240 : 200
                for c in 0..<3 { pixels[(y * w + x) * channels + c] = level }
            }
        }
        return DecodedImage(width: w, height: h, layout: alpha ? .rgba : .rgb, pixels: pixels)
    }

    func testAProductShotOnAnEvenBackgroundTakesTheGrayPath() {
        let prepared = Preprocessor().process(productShot(alpha: false))
        XCTAssertNil(prepared.photo, "not segmented")
        XCTAssertFalse(prepared.segmentationFailed, "and not flagged for it")
        XCTAssertLessThan(silhouetteErrors(prepared.pixels), 40, "the pale middle is garment (segmented in colour: 102 wrong)")
        let fold = prepared.pixels[12 * 28 + 14]
        XCTAssertGreaterThan(fold, 40)
        XCTAssertLessThan(fold, 80, "a fifth of the garment's darkness, as its pixels are")
        XCTAssertNotNil(Preprocessor().process(productShot(alpha: true)).mask, "a cut-out is segmented")
    }

    /// A segmented garment's input is softened: its hard mask edge becomes a ramp, so the input
    /// varies less from pixel to pixel. The gray path's input is not, nor a transparent cut-out's.
    func testOnlyTheSegmentedInputIsSoftened() {
        func variation(_ input: [UInt8]) -> Int {
            (0..<28).reduce(0) { total, y in total + (1..<28).reduce(0) { $0 + abs(Int(input[y * 28 + $1]) - Int(input[y * 28 + $1 - 1])) } }
        }
        var sharp = Preprocessor()
        sharp.softening = 0
        let softened = Preprocessor().process(photo()).pixels, unsoftened = sharp.process(photo()).pixels
        XCTAssertLessThan(Double(variation(softened)), 0.8 * Double(variation(unsoftened)))
        XCTAssertLessThan(silhouetteErrors(softened), 40, "still the garment's shape, its outline a ramp")
        XCTAssertEqual(Preprocessor().process(productShot(alpha: false)).pixels, sharp.process(productShot(alpha: false)).pixels)
        let cutOut = Preprocessor().process(productShot(alpha: true))
        XCTAssertNotNil(cutOut.mask)
        XCTAssertEqual(cutOut.pixels, sharp.process(productShot(alpha: true)).pixels)
    }

    /// A 28×28 image is a prepared crop: never segmented, its pixels passed through.
    func testA28x28ImageIsNotSegmented() {
        let crop = (0..<784).map { UInt8($0 % 251) }
        let prepared = Preprocessor().process(DecodedImage(width: 28, height: 28, layout: .gray, pixels: crop))
        XCTAssertNil(prepared.photo)
        XCTAssertEqual(prepared.pixels, crop)
    }

    func testMaskOperations() {
        // A 3-pixel-thick bar with a 1-pixel tail, a hole, and a far speck.
        var inside = [Bool](repeating: false, count: 12 * 8)
        for y in 2..<5 { for x in 2..<10 { inside[y * 12 + x] = true } }
        for x in 10..<12 { inside[3 * 12 + x] = true }
        inside[3 * 12 + 5] = false
        inside[7 * 12 + 0] = true
        let mask = ObjectMask(width: 12, height: 8, inside: inside)
        let opened = mask.opened(radius: 1)
        XCTAssertFalse(opened[10, 3], "the tail is thinner than the square")
        XCTAssertFalse(opened[0, 7], "the speck is gone")
        XCTAssertTrue(opened[2, 2] && opened[9, 4], "the bar's corners stay")
        let filled = mask.holesFilled()
        XCTAssertTrue(filled[5, 3], "the hole is filled")
        XCTAssertFalse(filled[0, 0])
        let largest = mask.componentNearestCentre()!
        XCTAssertEqual(largest.area, mask.area - 1, "the speck is another component")
        XCTAssertEqual(largest.boundingBox!.x, 2)
        XCTAssertEqual(largest.boundingBox!.width, 10)
    }
}
