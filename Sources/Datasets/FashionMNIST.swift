import Foundation

/// The Fashion-MNIST data set: file names, class names and where to find it.
public enum FashionMNIST {
    /// Class names in label order.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// Where `apt-get install dataset-fashion-mnist` puts the files.
    public static let systemDirectory = "/usr/share/datasets/fashion-mnist"
    public static let environmentVariable = "FASHION_MNIST_DIR"

    public enum Split: String, Sendable {
        case train, test = "t10k"
        public var imagesFile: String { "\(rawValue)-images-idx3-ubyte" }
        public var labelsFile: String { "\(rawValue)-labels-idx1-ubyte" }
    }

    /// The data directory: `$FASHION_MNIST_DIR` if set, else the system directory.
    public static var defaultDirectory: String {
        ProcessInfo.processInfo.environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? systemDirectory
    }

    /// The path of a split's images or labels in `directory`, compressed or not; nil if neither exists.
    public static func path(_ name: String, in directory: String) -> String? {
        for candidate in ["\(name).gz", name] {
            let path = (directory as NSString).appendingPathComponent(candidate)
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    public struct Missing: Error, CustomStringConvertible {
        public let directory: String
        public let file: String
        public var description: String {
            "the Fashion-MNIST file \(file)[.gz] is not in \(directory). Install the data set with "
                + "`sudo apt-get install dataset-fashion-mnist` (it goes to \(systemDirectory)), "
                + "or point --data or $\(environmentVariable) at a directory holding the four IDX files"
        }
    }

    /// A split from `directory`; a missing file is a `Missing` error that says how to get it.
    public static func load(_ split: Split, from directory: String) throws -> IDXDataset {
        guard let images = path(split.imagesFile, in: directory) else { throw Missing(directory: directory, file: split.imagesFile) }
        guard let labels = path(split.labelsFile, in: directory) else { throw Missing(directory: directory, file: split.labelsFile) }
        return try IDXDataset(imagesPath: images, labelsPath: labels, classCount: classNames.count)
    }
}
