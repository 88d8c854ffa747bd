import CNN
import Foundation
import TestSupport
import XCTest

final class FeatureDistanceTests: XCTestCase {
    /// Two features, covariance diag(4, 1): a point 2 along the first axis from a mean is at
    /// squared distance 2²/4 = 1, and 2 along the second at 2²/1 = 4; the nearer class counts.
    func testHandComputedDistances() {
        let distance = FeatureDistance(classes: 2, dimension: 2, means: [0, 0, 10, 10], precision: [0.25, 0, 0, 1])
        let points: [Float] = [2, 0, 0, 2, 10, 12, 5, 5]
        let found = points.withUnsafeBufferPointer { distance.distances($0.baseAddress!, rows: 4) }
        XCTAssertEqual(found[0], 1, accuracy: 1e-5)
        XCTAssertEqual(found[1], 4, accuracy: 1e-5)
        XCTAssertEqual(found[2], 4, accuracy: 1e-4)
        XCTAssertEqual(found[3], 25 / 4 + 25, accuracy: 1e-3, "equally far from both means")
    }

    /// The batched form equals (f − μ)ᵀP(f − μ) class by class on random features and a random
    /// positive-definite precision.
    func testBatchedDistancesEqualTheDefinition() {
        var random = RandomSource(seed: 7, stream: 0)
        let classes = 3, dimension = 5, rows = 9
        let factor = (0..<dimension * dimension).map { _ in random.nextUniform() - 0.5 }
        var precision = [Float](repeating: 0, count: dimension * dimension)
        for i in 0..<dimension {
            for j in 0..<dimension {
                precision[i * dimension + j] = (0..<dimension).reduce(i == j ? 0.5 : 0) { $0 + factor[i * dimension + $1] * factor[j * dimension + $1] }
            }
        }
        let means = (0..<classes * dimension).map { _ in random.nextUniform() * 4 - 2 }
        let features = (0..<rows * dimension).map { _ in random.nextUniform() * 4 - 2 }
        let distance = FeatureDistance(classes: classes, dimension: dimension, means: means, precision: precision)
        let found = features.withUnsafeBufferPointer { distance.distances($0.baseAddress!, rows: rows) }
        for n in 0..<rows {
            let expected = (0..<classes).map { c in
                let d = (0..<dimension).map { Double(features[n * dimension + $0] - means[c * dimension + $0]) }
                return (0..<dimension).reduce(0.0) { sum, i in
                    sum + (0..<dimension).reduce(0.0) { $0 + d[i] * Double(precision[i * dimension + $1]) * d[$1] }
                }
            }.min()!
            XCTAssertEqual(Double(found[n]), expected, accuracy: 1e-4 * max(1, expected), "row \(n)")
        }
    }

    /// Fitted on two classes drawn around (0, 0) and (6, 0) with standard deviations 2 and 0.5,
    /// the means and the shared precision diag(1/4, 4) come back within sampling error.
    func testFitRecoversMeansAndSharedCovariance() {
        var random = RandomSource(seed: 3, stream: 0)
        func gaussian() -> Float { random.nextNormal() }
        var features: [Float] = [], labels: [Int] = []
        for n in 0..<20_000 {
            let label = n % 2
            features += [Float(label) * 6 + 2 * gaussian(), 0.5 * gaussian()]
            labels.append(label)
        }
        let fitted = FeatureDistance.fit(features: features, labels: labels, classes: 2, dimension: 2)
        XCTAssertEqual(fitted.means[0], 0, accuracy: 0.05)
        XCTAssertEqual(fitted.means[2], 6, accuracy: 0.05)
        XCTAssertEqual(fitted.means[3], 0, accuracy: 0.02)
        XCTAssertEqual(fitted.precision[0], 0.25, accuracy: 0.01)
        XCTAssertEqual(fitted.precision[3], 4, accuracy: 0.15)
        XCTAssertEqual(fitted.precision[1], 0, accuracy: 0.05)
        XCTAssertEqual(fitted.precision[1], fitted.precision[2], "symmetric")
    }

    /// A unit that is zero for every image (a dead ReLU) still leaves an invertible covariance.
    func testConstantFeatureStillFits() {
        let features: [Float] = [1, 0, 2, 0, 3, 0, 5, 0]
        let fitted = FeatureDistance.fit(features: features, labels: [0, 0, 1, 1], classes: 2, dimension: 2)
        XCTAssertTrue(fitted.precision.allSatisfy(\.isFinite))
        let found = features.withUnsafeBufferPointer { fitted.distances($0.baseAddress!, rows: 4) }
        XCTAssertTrue(found.allSatisfy { $0.isFinite && $0 >= 0 })
    }

    /// Photos whose logits look like the validation images' (the energy and the top probability
    /// cannot tell them apart) but whose features are far from every class: only the distance
    /// rule catches the wrong ones, and the refit takes it into the rules for photos.
    func testRefitTakesTheDistanceRuleWhenItCatchesMistakes() {
        let rules = Calibration(temperature: 1, minimumConfidence: 0.5, maximumEnergy: nil)
        let one: [Float] = [4, 0, 0, 0]
        let fashion = Array(repeating: one, count: 200).joined().map { $0 }
        let photos = Array(repeating: one, count: 20).joined().map { $0 }
        let sets = [LabelSet](repeating: LabelSet([0]), count: 12) + [LabelSet](repeating: LabelSet([1]), count: 8)
        let features = FeatureDistance(classes: 4, dimension: 1, means: [0, 0, 0, 0], precision: [1])
        let fashionDistances = (0..<200).map { Float($0) / 200 }
        let photoDistances = [Float](repeating: 0.1, count: 12) + [Float](repeating: 50, count: 8)
        let refit = rules.refittingFlags(fashion: fashion, photos: photos, photoSets: sets, classes: 4,
                                         distances: .init(fashion: fashionDistances, photos: photoDistances, features: features))
        XCTAssertEqual(refit.before.photosConfidentlyWrong, 0.4, accuracy: 1e-9)
        XCTAssertEqual(refit.figures.photosConfidentlyWrong, 0)
        XCTAssertEqual(refit.figures.rightFlagged, 0)
        XCTAssertNotNil(refit.calibration.photoRules?.maximumDistance)
        XCTAssertEqual(refit.calibration.features, features)
        let far: [Float] = [50], near: [Float] = [0.1]
        let assessed = one.withUnsafeBufferPointer { logits in
            [(far, true), (near, true), (far, false)].map { point, photo in
                refit.calibration.assess(logits, photo: photo,
                                         distance: point.withUnsafeBufferPointer { refit.calibration.distances($0.baseAddress!, rows: 1)?[0] })
            }
        }
        XCTAssertTrue(assessed[0].unusual)
        XCTAssertFalse(assessed[1].lowConfidence)
        XCTAssertFalse(assessed[2].lowConfidence, "crops have no distance rule")
        // Without distances the same refit can catch the mistakes only by doubting every answer.
        let without = rules.refittingFlags(fashion: fashion, photos: photos, photoSets: sets, classes: 4)
        XCTAssertNil(without.calibration.photoRules?.maximumDistance)
        XCTAssertNil(without.calibration.features)
        XCTAssertEqual(without.figures.photosConfidentlyWrong, 0)
        XCTAssertEqual(without.figures.rightFlagged, 1)
    }
}
