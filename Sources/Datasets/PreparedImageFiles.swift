import CNN
import Foundation

/// Images prepared for training (`cnnclassify prepare`) on disk under one prefix, as IDX files:
/// `PREFIX-images-idx3-ubyte`, and `PREFIX-labels-idx1-ubyte` when every image has exactly one
/// right class (a plain IDX pair, as Fashion-MNIST's) or `PREFIX-label-sets-idx2-ubyte` when some
/// have several or none (see `IDXWriter.writeLabelSets`).
public enum PreparedImageFiles {
    public static func imagesPath(_ prefix: String) -> String { prefix + "-images-idx3-ubyte" }
    public static func labelsPath(_ prefix: String) -> String { prefix + "-labels-idx1-ubyte" }
    public static func labelSetsPath(_ prefix: String) -> String { prefix + "-label-sets-idx2-ubyte" }

    /// Writes `images` under `prefix` (each file whole or not at all) and returns the paths
    /// written. A label file of the other kind left by an earlier run is removed, so that the
    /// prefix never holds two answers.
    @discardableResult
    public static func write(_ images: SetLabelledImages, classCount: Int, prefix: String) throws -> [String] {
        try IDXWriter.writeImages(images.pixels, count: images.count, rows: images.height, columns: images.width, to: imagesPath(prefix))
        let singles = images.sets.compactMap(\.single)
        let (written, other): (String, String)
        if singles.count == images.count {
            (written, other) = (labelsPath(prefix), labelSetsPath(prefix))
            try IDXWriter.writeLabels(singles.map { UInt8($0) }, to: written)
        } else {
            (written, other) = (labelSetsPath(prefix), labelsPath(prefix))
            try IDXWriter.writeLabelSets(images.sets, classCount: classCount, to: written)
        }
        if FileManager.default.fileExists(atPath: other) { try? FileManager.default.removeItem(atPath: other) }
        return [imagesPath(prefix), written]
    }

    /// Reads what `write` wrote, checked like any IDX pair: labels within `classCount`, as many
    /// labels as images. Also the CRC-32 of each file by file name, for the weight file's record.
    public static func read(prefix: String, classCount: Int) throws -> (images: SetLabelledImages, checksums: [String: String]) {
        let hasLabels = FileManager.default.fileExists(atPath: labelsPath(prefix))
        let hasSets = FileManager.default.fileExists(atPath: labelSetsPath(prefix))
        guard hasLabels != hasSets else {
            throw FileProblem(path: prefix, reason: hasLabels ? "has both \(labelsPath(prefix)) and \(labelSetsPath(prefix)); keep one"
                                                           : "has no label file (\(labelsPath(prefix)) or \(labelSetsPath(prefix)))")
        }
        let images = try IDXReader.readImages(imagesPath(prefix))
        guard images.count > 0 else { throw FileProblem(path: imagesPath(prefix), reason: "holds no images") }
        let labelFile = hasLabels ? labelsPath(prefix) : labelSetsPath(prefix)
        let sets: [LabelSet], checksum: UInt32
        if hasLabels {
            let labels = try IDXReader.readLabels(labelFile, classCount: classCount)
            (sets, checksum) = (labels.values.map { LabelSet(label: Int($0)) }, labels.checksum)
        } else {
            (sets, checksum) = try IDXReader.readLabelSets(labelFile, classCount: classCount)
        }
        guard sets.count == images.count else {
            throw FileProblem(path: labelFile, reason: "has \(sets.count) labels but \(imagesPath(prefix)) has \(images.count) images")
        }
        let checksums = [
            (imagesPath(prefix) as NSString).lastPathComponent: String(format: "%08x", images.checksum),
            (labelFile as NSString).lastPathComponent: String(format: "%08x", checksum),
        ]
        return (SetLabelledImages(pixels: images.pixels, sets: sets, height: images.rows, width: images.columns), checksums)
    }
}
