import CNN
import Classifier
import Foundation
import Imaging
import TestSupport
import XCTest

/// The pipeline asks the calibration for feature distances when its flag for photos uses them:
/// with a threshold every input exceeds, each photo is flagged unusual; with one none reaches,
/// none is. Crops (inputs already 28×28) and product shots on an even background take the rules
/// for crops, which have no distance.
final class ClassificationPipelineTests: XCTestCase {
    func testFeatureDistanceRuleFlagsWhatIsFar() throws {
        let work = TemporaryDirectory()
        let architecture = Architecture(name: "tiny", inputShape: [1, 28, 28], layers: [
            .flatten, .dense(.init(outputs: 6)), .relu, .dense(.init(outputs: 10)),
        ])
        let network = try Network(architecture)
        network.initialize(seed: 5)
        let images = SyntheticData.images(count: 3, seed: 4)
        let crops = try (0..<3).map { n in
            let path = work.file("image\(n).png")
            ImageFixtures.write(try ImageFixtures.png(images, n), to: path)
            return path
        }
        let photos = try (0..<3).map { n in
            let path = work.file("photo\(n).png")
            ImageFixtures.write(try ImageFixtures.colourPhoto(images, n, scale: 3, margin: 20), to: path)
            return path
        }
        let productShots = try (0..<3).map { n in
            let path = work.file("shot\(n).png")
            let pixels = ImageFixtures.photo(images, n, scale: 3, left: 20, top: 12, width: 128, height: 96)
            ImageFixtures.write(try ImageEncoder.grayPNG(pixels, width: 128, height: 96), to: path)
            return path
        }
        func flags(maximumDistance: Float?, of paths: [String]) throws -> [Bool] {
            var calibration = Calibration(temperature: 1, minimumConfidence: 0, maximumEnergy: nil)
            calibration.photoRules = .init(minimumConfidence: 0, maximumEnergy: nil, maximumDistance: maximumDistance)
            // Means far from any feature a ReLU gives: every distance is at least 100².
            calibration.features = FeatureDistance(classes: 10, dimension: 6, means: [Float](repeating: -100, count: 60),
                                                   precision: (0..<36).map { $0 % 7 == 0 ? 1 : 0 })
            var header = ModelHeader(architecture: architecture, classNames: (0..<10).map { "class \($0)" })
            header.calibration = calibration
            let pipeline = ClassificationPipeline(network: network, header: header)
            var unusual: [Bool] = []
            try pipeline.run(paths.map { ClassifierInput.file($0) }) { _, outcome in
                if case .classified(let prediction) = outcome { unusual.append(prediction.unusual) }
            }
            return unusual
        }
        XCTAssertEqual(try flags(maximumDistance: 6 * 100 * 100 - 1, of: photos), [true, true, true])
        XCTAssertEqual(try flags(maximumDistance: 1e12, of: photos), [false, false, false])
        XCTAssertEqual(try flags(maximumDistance: nil, of: photos), [false, false, false], "no threshold, no rule")
        XCTAssertEqual(try flags(maximumDistance: 6 * 100 * 100 - 1, of: crops), [false, false, false], "crops take the rules for crops")
        XCTAssertEqual(try flags(maximumDistance: 6 * 100 * 100 - 1, of: productShots), [false, false, false],
                       "so do product shots on an even background")
    }

    /// Decoding runs on several threads and the network in batches, yet every outcome, failures
    /// included, comes out in input order, and each image's answer is the one it gets alone.
    func testOutcomesComeInInputOrderWhateverTheThreadsAndBatches() throws {
        let work = TemporaryDirectory()
        let architecture = Architecture(name: "tiny", inputShape: [1, 28, 28], layers: [.flatten, .dense(.init(outputs: 10))])
        let network = try Network(architecture)
        network.initialize(seed: 2)
        let images = SyntheticData.images(count: 40, seed: 9)
        var inputs: [ClassifierInput] = []
        for n in 0..<40 {
            let path = work.file(String(format: "%02d.png", n))
            if n % 13 == 5 {
                ImageFixtures.write(Array("not an image".utf8), to: path)
            } else {
                ImageFixtures.write(try ImageFixtures.png(images, n), to: path)
            }
            inputs.append(.file(path))
        }
        let header = ModelHeader(architecture: architecture, classNames: (0..<10).map { "class \($0)" })
        func run(threads: Int, batchSize: Int, _ chosen: [ClassifierInput]) throws -> [(String, [Float]?)] {
            let pipeline = ClassificationPipeline(network: network, header: header)
            pipeline.threads = threads
            pipeline.batchSize = batchSize
            var outcomes: [(String, [Float]?)] = []
            try pipeline.run(chosen) { _, outcome in
                switch outcome {
                case .classified(let prediction): outcomes.append((prediction.input.name, prediction.probabilities))
                case .failed(let input, _): outcomes.append((input.name, nil))
                }
            }
            return outcomes
        }
        let together = try run(threads: 2, batchSize: 7, inputs)
        XCTAssertEqual(together.map(\.0), inputs.map(\.name))
        XCTAssertEqual(together.filter { $0.1 == nil }.count, 3)
        for (n, outcome) in together.enumerated() where n % 6 == 0 {
            // The same up to rounding: a batch of one takes another path through sgemm.
            let alone = try run(threads: 1, batchSize: 1, [inputs[n]]).first?.1 ?? []
            XCTAssertEqual(alone.count, outcome.1?.count ?? 0, "image \(n)")
            for (a, b) in zip(alone, outcome.1 ?? []) { XCTAssertEqual(a, b, accuracy: 1e-5, "image \(n) alone") }
        }
    }
}
