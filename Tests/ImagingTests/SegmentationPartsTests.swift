@testable import Imaging
import XCTest

/// The pieces segmentation is built from, against the plain computation each one stands for.
final class SegmentationPartsTests: XCTestCase {
    /// The mean of each window, cut at the edges, computed window by window.
    private func windowMeans(_ values: [Float], width: Int, height: Int, radius: Int) -> [Float] {
        (0 ..< width * height).map { i in
            let x = i % width, y = i / width
            var sum: Float = 0, count = 0
            for wy in max(0, y - radius) ... min(height - 1, y + radius) {
                for wx in max(0, x - radius) ... min(width - 1, x + radius) { sum += values[wy * width + wx]; count += 1 }
            }
            return sum / Float(count)
        }
    }

    func testBoxFilterGivesEveryWindowsMean() {
        for (width, height, radius) in [(7, 5, 1), (1, 6, 2), (6, 1, 1), (4, 3, 5), (9, 8, 3)] {
            let values = (0 ..< width * height).map { Float(($0 * 37) % 11) }
            let filtered = BoxFilter.mean(values, width: width, height: height, radius: radius)
            let expected = windowMeans(values, width: width, height: height, radius: radius)
            for i in values.indices {
                XCTAssertEqual(filtered[i], expected[i], accuracy: 1e-5, "\(width)×\(height), radius \(radius), pixel \(i)")
            }
        }
    }

    func testBoxFilterAveragesEachColourChannelAsItsOwnPlane() {
        let width = 6, height = 5
        let colours = (0 ..< width * height).map { SIMD4<Float>(Float($0 % 7), Float($0 % 3) * 10, -Float($0), 0) }
        let filtered = BoxFilter.mean(colours, width: width, height: height, radius: 2)
        for channel in 0..<4 {
            let plane = BoxFilter.mean(colours.map { $0[channel] }, width: width, height: height, radius: 2)
            XCTAssertEqual(filtered.map { $0[channel] }, plane, "channel \(channel), bit for bit")
        }
    }

    /// Two colours far apart, 30 and 10 samples, each with a little spread.
    private func twoColours() -> LabImage {
        let red = SIMD4<Float>(50, 60, 40, 0), blue = SIMD4<Float>(30, 10, -50, 0)
        let pixels = (0..<40).map { i -> SIMD4<Float> in
            let jitter = SIMD4<Float>(Float(i % 3) - 1, Float(i % 5) - 2, 0, 0)
            return (i < 30 ? red : blue) + jitter
        }
        return LabImage(width: 8, height: 5, pixels: pixels)
    }

    func testColourModelFindsBothColoursWithTheirWeights() {
        let lab = twoColours()
        let model = ColourModel(lab, samples: Array(0..<40), clusters: 4, spreadFloor: 12)
        XCTAssertEqual(model.clusters.count, 2, "the farthest-first start stops when every colour is within the spread floor")
        let byWeight = model.clusters.sorted { $0.offset > $1.offset }
        let redMean = lab.pixels[0..<30].reduce(SIMD4<Float>(), +) / 30, blueMean = lab.pixels[30...].reduce(SIMD4<Float>(), +) / 10
        XCTAssertEqual(byWeight[0].centre, redMean, "the larger cluster is the mean of the 30 red samples")
        XCTAssertEqual(byWeight[1].centre, blueMean)
        // Both spreads are below the floor, so both variances are 12², and the offsets differ by ln(30/10).
        XCTAssertEqual(byWeight[0].precision, 1 / (2 * 144), accuracy: 1e-9)
        XCTAssertEqual(byWeight[0].offset - byWeight[1].offset, logf(3), accuracy: 1e-5)
    }

    func testLogLikelihoodsAreTheBestClustersDensity() {
        let lab = twoColours()
        let model = ColourModel(lab, samples: Array(0..<40), clusters: 4, spreadFloor: 12)
        let likelihoods = ColourPlanes(lab.pixels).logLikelihoods(model)
        XCTAssertEqual(likelihoods.count, 40, "no padding lanes in the result")
        for (i, colour) in lab.pixels.enumerated() {
            let best = model.clusters.map { $0.offset - ColourModel.squaredDistance(colour, $0.centre) * $0.precision }.max()!
            XCTAssertEqual(likelihoods[i], best, "pixel \(i), bit for bit")
        }
    }
}
