import Foundation
import CNN
import TestSupport
import XCTest

final class AugmentationTests: XCTestCase {
    private func warp(_ values: [Float], height: Int, width: Int, scale: Float = 1, dx: Float = 0, dy: Float = 0, mirror: Bool = false) -> [Float] {
        let image = Tensor(shape: [height * width], values: values), scratch = Tensor(shape: [height * width])
        Augmentation.warp(image.data, height: height, width: width, scale: scale, dx: dx, dy: dy, mirror: mirror, scratch: scratch.data)
        return image.values
    }

    func testShiftMirrorAndScale() {
        let image: [Float] = [1, 2, 3, 4, 5, 6]   // 2 rows of 3
        XCTAssertEqual(warp(image, height: 2, width: 3, dx: 1), [0, 1, 2, 0, 4, 5])
        XCTAssertEqual(warp(image, height: 2, width: 3, dy: -1), [4, 5, 6, 0, 0, 0])
        XCTAssertEqual(warp(image, height: 2, width: 3, mirror: true), [3, 2, 1, 6, 5, 4])
        // Doubling a 3×3 image about its centre spreads the centre pixel half-way to its neighbours.
        let scaled = warp([0, 0, 0, 0, 8, 0, 0, 0, 0], height: 3, width: 3, scale: 2)
        XCTAssertEqual(scaled, [2, 4, 2, 4, 8, 4, 2, 4, 2])
    }

    func testToneLiftsTheItemAndKeepsTheBackground() {
        // a = ½: full pixels go half-way to white; the outline (under 0.1) in proportion to itself.
        let image = Tensor(shape: [6], values: [0, 0.05, 0.1, 0.5, 0.8, 1])
        Augmentation.lift(image.data, count: 6, by: 0.5)
        let expected: [Float] = [0, 0.05 + 0.5 * 0.95 * 0.5, 0.55, 0.75, 0.9, 1]
        for (value, wanted) in zip(image.values, expected) { XCTAssertEqual(value, wanted, accuracy: 1e-6) }
    }

    /// Weight files from before the tone change read as having none.
    func testOlderAugmentationRecordsDecode() throws {
        let json = #"{"maxShift":2,"maxScale":0,"mirror":true,"erasing":0.2}"#
        let decoded = try JSONDecoder().decode(Augmentation.self, from: Data(json.utf8))
        XCTAssertEqual(decoded, Augmentation(maxShift: 2, mirror: true, erasing: 0.2))
        let tone = Augmentation(maxShift: 1, tone: 0.8)
        XCTAssertEqual(try JSONDecoder().decode(Augmentation.self, from: JSONEncoder().encode(tone)), tone)
    }

    func testDrawsAreSeededAndErasingZeroesARectangle() {
        let augmentation = Augmentation(maxShift: 2, maxScale: 0.1, mirror: true, erasing: 1)
        func run(_ seed: UInt64) -> [Float] {
            let image = Tensor(shape: [28 * 28], repeating: 1), scratch = Tensor(shape: [28 * 28])
            var random = RandomSource(seed: seed)
            augmentation.apply(to: image.data, height: 28, width: 28, scratch: scratch.data, random: &random)
            return image.values
        }
        XCTAssertEqual(run(1), run(1))
        XCTAssertNotEqual(run(1), run(2))
        let erased = run(3).filter { $0 == 0 }.count
        XCTAssertGreaterThanOrEqual(erased, Int(0.02 * 784), "a rectangle of at least 2% is erased")
        XCTAssertTrue(Augmentation().isIdentity)
        XCTAssertFalse(Augmentation(tone: 0.5).isIdentity)
    }

    func testRotationTurnsAboutTheCentre() {
        // A quarter turn of a 3×3 image moves the middle of the top row to the middle of a side.
        let image = Tensor(shape: [9], values: [0, 1, 0, 0, 0, 0, 0, 0, 0]), scratch = Tensor(shape: [9])
        Augmentation.warp(image.data, height: 3, width: 3, scale: 1, dx: 0, dy: 0, mirror: false, angle: .pi / 2, scratch: scratch.data)
        let turned = image.values
        XCTAssertEqual(turned.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertTrue(turned[3] > 0.999 || turned[5] > 0.999, "\(turned)")
        // Drawn only when asked for: without it the draws, and so the images, are those of before.
        let before = Augmentation(maxShift: 2, mirror: true, erasing: 0.5)
        var withRotation = before
        withRotation.maxRotation = 10
        func run(_ augmentation: Augmentation) -> [Float] {
            let image = Tensor(shape: [784], values: (0..<784).map { Float($0 % 28) / 28 }), scratch = Tensor(shape: [784])
            var random = RandomSource(seed: 7)
            augmentation.apply(to: image.data, height: 28, width: 28, scratch: scratch.data, random: &random)
            return image.values
        }
        XCTAssertNotEqual(run(withRotation), run(before))
        XCTAssertEqual(run(withRotation), run(withRotation))
    }

    func testRaggedOutlineDropsOnlyOutlinePixels() {
        // A 10×10 block in a 28×28 image: 36 outline pixels, 64 inside.
        let augmentation = Augmentation(ragged: 0.5)
        var dropped = 0
        for seed in 0..<20 as Range<UInt64> {
            let image = Tensor(shape: [784]), scratch = Tensor(shape: [784])
            for y in 9..<19 { for x in 9..<19 { image[y * 28 + x] = 0.8 } }
            var random = RandomSource(seed: seed)
            augmentation.apply(to: image.data, height: 28, width: 28, scratch: scratch.data, random: &random)
            for y in 10..<18 { for x in 10..<18 { XCTAssertEqual(image[y * 28 + x], 0.8, "inside, seed \(seed)") } }
            dropped += (0..<784).filter { image[$0] == 0 }.count - (784 - 100)
        }
        XCTAssertEqual(Double(dropped) / (20 * 36), 0.5, accuracy: 0.1)
    }

    func testNoiseTouchesOnlyTheItemAndStaysInRange() {
        let augmentation = Augmentation(noise: 0.1)
        let image = Tensor(shape: [784]), scratch = Tensor(shape: [784])
        for i in 300..<500 { image[i] = i % 2 == 0 ? 1 : 0.5 }
        var random = RandomSource(seed: 3)
        augmentation.apply(to: image.data, height: 28, width: 28, scratch: scratch.data, random: &random)
        let values = image.values
        XCTAssertTrue(values[..<300].allSatisfy { $0 == 0 } && values[500...].allSatisfy { $0 == 0 })
        XCTAssertTrue(values.allSatisfy { (0...1).contains($0) })
        let halves = (300..<500).filter { $0 % 2 == 1 }.map { values[$0] - 0.5 }
        let spread = (halves.map { $0 * $0 }.reduce(0, +) / Float(halves.count)).squareRoot()
        XCTAssertEqual(spread, 0.1, accuracy: 0.03)
    }

    /// Half of the images come out lifted, each by its own amount, and only their non-zero pixels.
    func testToneDarkensAboutHalfOfTheImages() {
        let augmentation = Augmentation(tone: 0.8)
        var lifted = 0, amounts = Set<Float>()
        for seed in 0..<200 as Range<UInt64> {
            let image = Tensor(shape: [4], values: [0, 0.5, 0.5, 1]), scratch = Tensor(shape: [4])
            var random = RandomSource(seed: seed)
            augmentation.apply(to: image.data, height: 2, width: 2, scratch: scratch.data, random: &random)
            XCTAssertEqual(image[0], 0)
            XCTAssertEqual(image[3], 1)
            XCTAssertLessThanOrEqual(image[1], 0.5 + 0.8 * 0.5 + 1e-6)
            if image[1] > 0.5 { lifted += 1; amounts.insert(image[1]) }
        }
        XCTAssertTrue((70...130).contains(lifted), "\(lifted) of 200 lifted")
        XCTAssertGreaterThan(amounts.count, lifted / 2)
    }

    /// A batch is augmented the same on one thread and on two, and differently in another epoch.
    func testBatchAugmentationIsIndependentOfThreads() {
        let augmentation = Augmentation(maxShift: 2, maxScale: 0.1, mirror: true, erasing: 0.5)
        let source = SyntheticData.images(count: 16)
        func run(threads: Int, epoch: Int) -> [Float] {
            let batch = Tensor()
            var labels: [Int32] = []
            source.fill(batch, labels: &labels, indices: 0..<16, scale: 1.0 / 255)
            augmentation.apply(toBatch: batch, seed: 7, epoch: epoch, firstPosition: 32, threads: threads, scratch: Tensor())
            return batch.values
        }
        XCTAssertEqual(run(threads: 1, epoch: 0), run(threads: 2, epoch: 0))
        XCTAssertNotEqual(run(threads: 1, epoch: 0), run(threads: 1, epoch: 1))
    }
}
