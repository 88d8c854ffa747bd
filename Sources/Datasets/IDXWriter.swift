import CNN
import CZlib
import Foundation

/// Writes IDX image and label files, plain or gzip-compressed (by a `.gz` ending).
public enum IDXWriter {
    public static func writeImages(_ pixels: [UInt8], count: Int, rows: Int, columns: Int, to path: String) throws {
        precondition(pixels.count == count * rows * columns)
        try write(header(IDXReader.imagesMagic, [count, rows, columns]) + pixels, to: path)
    }

    public static func writeLabels(_ labels: [UInt8], to path: String) throws {
        try write(header(IDXReader.labelsMagic, [labels.count]) + labels, to: path)
    }

    /// Writes label sets: an IDX file of unsigned bytes in two dimensions, images × classes, each
    /// byte 1 where the class is right for the image and 0 where it is not (all 0: none of these).
    public static func writeLabelSets(_ sets: [LabelSet], classCount: Int, to path: String) throws {
        precondition(classCount <= LabelSet.maximumClassCount)
        let rows = sets.flatMap { set in (0..<classCount).map { UInt8(set.contains($0) ? 1 : 0) } }
        try write(header(IDXReader.labelSetsMagic, [sets.count, classCount]) + rows, to: path)
    }

    private static func header(_ magic: UInt32, _ dims: [Int]) -> [UInt8] {
        ([magic] + dims.map(UInt32.init)).flatMap { value in (0..<4).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    }

    private static func write(_ bytes: [UInt8], to path: String) throws {
        guard path.hasSuffix(".gz") else {
            do {
                try AtomicFile.write(bytes, to: path)
            } catch let problem as FileProblem {
                throw FileProblem(path: path, reason: problem.reason)
            }
            return
        }
        guard let file = gzopen(path, "wb") else { throw FileProblem(path: path, reason: "cannot be written") }
        let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        let closed = gzclose(file)
        guard written == bytes.count, closed == Z_OK else { throw FileProblem(path: path, reason: "cannot be written") }
    }
}
