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
        let photo = Augmentation(ragged: 0.1, blur: 0.6, perspective: 0.1, cut: 0.1, background: 0.1)
        XCTAssertEqual(try JSONDecoder().decode(Augmentation.self, from: JSONEncoder().encode(photo)), photo)
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

    /// A block of `value` at columns `xs` and rows `ys` of a `height × width` image.
    private func block(height: Int = 28, width: Int = 28, xs: ClosedRange<Int>, ys: ClosedRange<Int>, value: Float = 1) -> Tensor {
        let image = Tensor(shape: [height * width])
        for y in ys { for x in xs { image[y * width + x] = value } }
        return image
    }

    private func box(_ image: Tensor, height: Int = 28, width: Int = 28) -> (x0: Int, x1: Int, y0: Int, y1: Int)? {
        var found: (x0: Int, x1: Int, y0: Int, y1: Int)?
        for y in 0..<height {
            for x in 0..<width where image[y * width + x] > 0.5 {
                found = found.map { (min($0.x0, x), max($0.x1, x), min($0.y0, y), max($0.y1, y)) } ?? (x, x, y, y)
            }
        }
        return found
    }

    func testSofteningBlendsWithTheGaussianBlur() {
        // An impulse blurred whole becomes the outer product of the normalised taps e^(−k²/2).
        let taps: [Float] = [-2, -1, 0, 1, 2].map { exp(-$0 * $0 / 2) }
        let normalised = taps.map { $0 / taps.reduce(0, +) }
        let image = block(height: 7, width: 7, xs: 3...3, ys: 3...3), scratch = Tensor(shape: [49])
        Augmentation.soften(image.data, height: 7, width: 7, by: 1, scratch: scratch.data)
        XCTAssertEqual(image[3 * 7 + 3], normalised[2] * normalised[2], accuracy: 1e-6)
        XCTAssertEqual(image[2 * 7 + 5], normalised[1] * normalised[4], accuracy: 1e-6)
        XCTAssertEqual(image[0], 0)
        XCTAssertEqual(image.values.reduce(0, +), 1, accuracy: 1e-5)
        // Half a blend goes half-way; a flat image stays flat.
        let half = block(height: 7, width: 7, xs: 3...3, ys: 3...3)
        Augmentation.soften(half.data, height: 7, width: 7, by: 0.5, scratch: scratch.data)
        XCTAssertEqual(half[3 * 7 + 3], 0.5 + 0.5 * normalised[2] * normalised[2], accuracy: 1e-6)
        let flat = Tensor(shape: [49], repeating: 0.4)
        Augmentation.soften(flat.data, height: 7, width: 7, by: 1, scratch: scratch.data)
        XCTAssertTrue(flat.values.allSatisfy { abs($0 - 0.4) < 1e-6 })
    }

    func testKeystoneNarrowsOneEdgeAndWidensTheOther() {
        // Columns 6…20 on every row; a keystone of 0.5 on rows halves the top row and widens the bottom one.
        let image = block(xs: 6...20, ys: 0...27), scratch = Tensor(shape: [784])
        Augmentation.warp(image.data, height: 28, width: 28, scale: 1, dx: 0, dy: 0, mirror: false,
                          keystone: .init(rows: 0.5), scratch: scratch.data)
        func width(_ row: Int) -> Int { (0..<28).filter { image[row * 28 + $0] > 0.5 }.count }
        XCTAssertEqual(width(0), 8, accuracy: 1)
        XCTAssertEqual(width(13), 15, accuracy: 1)
        XCTAssertEqual(width(27), 22, accuracy: 1)
        // Across columns: the left edge's column shortened, the right one's lengthened.
        let columns = block(xs: 0...27, ys: 6...20)
        Augmentation.warp(columns.data, height: 28, width: 28, scale: 1, dx: 0, dy: 0, mirror: false,
                          keystone: .init(columns: -0.3), scratch: scratch.data)
        func height(_ column: Int) -> Int { (0..<28).filter { columns[$0 * 28 + column] > 0.5 }.count }
        XCTAssertGreaterThan(height(0), height(27) + 6)
    }

    func testCutRemovesOneSideAndFitsTheRestToTheItemsOldSize() throws {
        // 20 × 10 at columns 4…23: a quarter off the left leaves 15 columns, scaled back to about 20.
        let image = block(xs: 4...23, ys: 9...18), scratch = Tensor(shape: [784])
        Augmentation.cut(image.data, height: 28, width: 28, side: 0, fraction: 0.25, scratch: scratch.data)
        let cut = try XCTUnwrap(box(image))
        XCTAssertEqual(cut.x1 - cut.x0 + 1, 20, accuracy: 1)
        XCTAssertEqual(cut.y1 - cut.y0 + 1, 13, accuracy: 1, "the rest is scaled by 4/3 both ways")
        XCTAssertEqual(Float(cut.x0 + cut.x1) / 2, 13.5, accuracy: 1)
        XCTAssertEqual(Float(cut.y0 + cut.y1) / 2, 13.5, accuracy: 1)
        // From the top: the lower part remains, fitted the same way.
        let tall = block(xs: 9...18, ys: 4...23)
        Augmentation.cut(tall.data, height: 28, width: 28, side: 2, fraction: 0.3, scratch: scratch.data)
        let fitted = try XCTUnwrap(box(tall))
        XCTAssertEqual(fitted.y1 - fitted.y0 + 1, 20, accuracy: 1)
        // An empty image stays empty.
        let empty = Tensor(shape: [784])
        Augmentation.cut(empty.data, height: 28, width: 28, side: 1, fraction: 0.3, scratch: scratch.data)
        XCTAssertTrue(empty.values.allSatisfy { $0 == 0 })
    }

    func testBackgroundStripFillsOnlyBackgroundBesideTheItem() {
        let image = block(xs: 8...15, ys: 6...21, value: 0.9)
        Augmentation.keepBackground(image.data, height: 28, width: 28, side: 1, thickness: 3, length: 1, gray: 0.3)
        for y in 0..<28 {
            for x in 0..<28 {
                let expected: Float = (8...15).contains(x) && (6...21).contains(y) ? 0.9
                    : (16...18).contains(x) && (6...21).contains(y) ? 0.3 : 0
                XCTAssertEqual(image[y * 28 + x], expected, "(\(x), \(y))")
            }
        }
        // Half the length, centred; an item at the image's top edge has no room above it.
        let half = block(xs: 8...15, ys: 0...21, value: 0.9)
        Augmentation.keepBackground(half.data, height: 28, width: 28, side: 3, thickness: 2, length: 0.5, gray: 0.2)
        XCTAssertEqual((0..<784).filter { half[$0] == 0.2 }, (22...23).flatMap { y in (10...13).map { y * 28 + $0 } })
        let atTop = block(xs: 8...15, ys: 0...21, value: 0.9), before = atTop.values
        Augmentation.keepBackground(atTop.data, height: 28, width: 28, side: 2, thickness: 4, length: 1, gray: 0.2)
        XCTAssertEqual(atTop.values, before)
    }

    /// Each photo change is drawn only when asked for, comes out the same for the same seed, and
    /// is held to its range.
    func testPhotoChangesAreSeededOptionalAndChecked() {
        func run(_ augmentation: Augmentation, seed: UInt64) -> [Float] {
            let image = block(xs: 7...20, ys: 4...23, value: 0.7), scratch = Tensor(shape: [784])
            for i in stride(from: 0, to: 784, by: 5) where image[i] > 0 { image[i] = 1 }
            var random = RandomSource(seed: seed)
            augmentation.apply(to: image.data, height: 28, width: 28, scratch: scratch.data, random: &random)
            return image.values
        }
        let before = Augmentation(maxShift: 2, mirror: true, erasing: 0.5)
        let plain = run(Augmentation(), seed: 1)
        for change in [Augmentation(blur: 1), Augmentation(perspective: 0.3), Augmentation(cut: 1), Augmentation(background: 1)] {
            XCTAssertFalse(change.isIdentity)
            XCTAssertNil(change.problem)
            XCTAssertTrue(run(change, seed: 4) == run(change, seed: 4), "\(change)")
            let changed = (0..<20 as Range<UInt64>).filter { run(change, seed: $0) != plain }.count
            XCTAssertGreaterThan(changed, 5, "\(change)")
            var combined = before
            (combined.blur, combined.perspective, combined.cut, combined.background) = (change.blur, change.perspective, change.cut, change.background)
            XCTAssertTrue((0..<10 as Range<UInt64>).contains { run(combined, seed: $0) != run(before, seed: $0) }, "\(change)")
        }
        XCTAssertNil(Augmentation().problem)
        XCTAssertEqual(Augmentation(blur: 1.5).problem, "a blur in [0, 1] (not 1.5)")
        XCTAssertEqual(Augmentation(perspective: 0.6).problem, "a perspective in [0, 0.5] (not 0.6)")
        XCTAssertEqual(Augmentation(cut: -0.1).problem, "a cut probability in [0, 1] (not -0.1)")
        XCTAssertNotNil(Augmentation(background: .nan).problem)
        XCTAssertNotNil(Augmentation(maxShift: 15).problem)
    }
}
