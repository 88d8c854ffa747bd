import CNN
import Classifier
import Foundation
import Imaging
import TestSupport
import XCTest

/// The benchmark's inputs are what it says they are, and its timing of a process measures one.
final class SpeedMeasurementTests: XCTestCase {
    func testMedianOfOddAndEvenCounts() {
        XCTAssertEqual(SpeedMeasurement.median([3, 1, 2]), 2)
        XCTAssertEqual(SpeedMeasurement.median([4, 1, 3, 2]), 2.5)
    }

    func testPNGFolderHoldsTheImagesExactly() throws {
        let images = SyntheticData.images(count: 3)
        let folder = TemporaryDirectory()
        try SpeedMeasurement.writePNGs(images, count: 5, to: folder.file("pngs"))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.file("pngs")).sorted()
        XCTAssertEqual(names, ["00000.png", "00001.png", "00002.png"])
        let side = images.height * images.width
        let decoded = try ImageDecoder().decode(Array(try Data(contentsOf: URL(fileURLWithPath: folder.file("pngs/00002.png")))))
        XCTAssertEqual(decoded.pixels, Array(images.pixels[2 * side ..< 3 * side]))
    }

    func testProductShotIsTheImageDarkOnWhiteAtTwelveMegapixels() throws {
        let images = SyntheticData.images(count: 1)
        let decoded = try ImageDecoder().decode(try SpeedMeasurement.productShotJPEG(images))
        XCTAssertEqual([decoded.width, decoded.height], [4000, 3000])
        XCTAssertGreaterThan(decoded.pixels[0], 240, "white around the item")
    }

    func testStartToExitTimesAWholeProcess() throws {
        let sleeping = try SpeedMeasurement.startToExit("/bin/sleep", ["0.05"], repeats: 3)
        XCTAssertGreaterThanOrEqual(sleeping, 50)
        XCTAssertThrowsError(try SpeedMeasurement.startToExit("/nonexistent/binary", [], repeats: 1))
        XCTAssertThrowsError(try SpeedMeasurement.startToExit("/bin/false", [], repeats: 1), "a failed run is no timing")
    }
}
