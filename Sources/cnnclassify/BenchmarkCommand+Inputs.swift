import CNN
import Datasets
import Foundation

extension Benchmark {
    func makeTrainer(_ architecture: Architecture, images: LabeledImages, batchSize: Int, optimizer: OptimizerKind,
                             learningRate: Float, seed: UInt64) throws -> Trainer {
        let network = try Network(architecture)
        network.initialize(seed: seed)
        let configuration = TrainingConfiguration(epochs: 1, batchSize: batchSize, optimizer: optimizer, learningRate: learningRate,
                                                  seed: seed, threads: threading.threads)
        return try Trainer(network: network, state: TrainingState(configuration: configuration, command: "benchmark"),
                           training: images, validation: nil, inputScale: InputConvention.fashionMNIST.scale)
    }

    func benchmarkImages(count: Int) throws -> (images: LabeledImages, source: String) {
        let directory = fashionMNIST.data ?? FashionMNIST.defaultDirectory
        if FashionMNIST.path(FashionMNIST.Split.train.imagesFile, in: directory) != nil {
            let train = try loadSplit(.train, directory)
            let all = train.labeledImages
            return (all.subset((0..<min(count, all.count)).map { $0 }), "Fashion-MNIST training images")
        }
        var random = RandomSource(seed: 1)
        let input = InputConvention.fashionMNIST
        let pixels = (0 ..< count * input.height * input.width).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let labels = (0..<count).map { UInt8($0 % FashionMNIST.classNames.count) }
        return (LabeledImages(pixels: pixels, labels: labels, height: input.height, width: input.width), "synthetic images")
    }
}
