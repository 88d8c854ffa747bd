import CNN
import Foundation

/// A pair of IDX files, images and labels, checked against each other.
public struct IDXDataset: Sendable {
    public let images: IDXReader.Images
    public let labels: IDXReader.Labels
    public let imagesPath: String
    public let labelsPath: String

    public init(imagesPath: String, labelsPath: String, classCount: Int) throws {
        images = try IDXReader.readImages(imagesPath)
        labels = try IDXReader.readLabels(labelsPath, classCount: classCount)
        guard images.count == labels.values.count else {
            throw FileProblem(path: labelsPath, reason: "has \(labels.values.count) labels but \(imagesPath) has \(images.count) images")
        }
        self.imagesPath = imagesPath
        self.labelsPath = labelsPath
    }

    public var count: Int { images.count }

    /// The images and labels as the network takes them.
    public var labeledImages: LabeledImages {
        LabeledImages(pixels: images.pixels, labels: labels.values, height: images.rows, width: images.columns)
    }

    /// CRC-32 of each decompressed file by file name, for the weight file's record.
    public var checksums: [String: String] {
        [
            (imagesPath as NSString).lastPathComponent: String(format: "%08x", images.checksum),
            (labelsPath as NSString).lastPathComponent: String(format: "%08x", labels.checksum),
        ]
    }
}
