import CNN
import CZlib
import Foundation

/// Reads IDX files (the MNIST family's format), raw or gzip-compressed.
///
/// An IDX file is a big-endian header — two zero bytes, a type code (0x08: unsigned byte), the
/// number of dimensions, and each dimension as a u32 — followed by the data. Images are magic
/// 0x00000803 (count, rows, columns), labels 0x00000801 (count). Everything is checked before
/// it is trusted: a bad file gets one sentence naming it.
public enum IDXReader {
    public static let imagesMagic: UInt32 = 0x0000_0803
    public static let labelsMagic: UInt32 = 0x0000_0801
    /// Unsigned bytes in two dimensions: a label-set file, one row of 0/1 per image and class.
    public static let labelSetsMagic: UInt32 = 0x0000_0802

    public struct Images: Sendable {
        public var count: Int
        public var rows: Int
        public var columns: Int
        /// `count × rows × columns` bytes, image after image, row after row.
        public var pixels: [UInt8]
        /// CRC-32 of the decompressed file.
        public var checksum: UInt32
    }

    public struct Labels: Sendable {
        public var values: [UInt8]
        public var checksum: UInt32
    }

    public static func readImages(_ path: String) throws -> Images {
        let bytes = try contents(path, headerSize: 16) { head in
            let dims = try header(head, path: path, magic: imagesMagic, kind: "image", dimensions: 3)
            guard dims[1] > 0, dims[2] > 0 else { throw FileProblem(path: path, reason: "has images of \(dims[1])×\(dims[2]) pixels") }
            return try promisedSize(dims, path: path, headerSize: 16, what: "\(dims[0]) images of \(dims[1])×\(dims[2])")
        }
        let dims = try header(bytes, path: path, magic: imagesMagic, kind: "image", dimensions: 3)
        let (count, rows, columns) = (dims[0], dims[1], dims[2])
        try checkSize(bytes, path: path, headerSize: 16, expected: count * rows * columns, what: "\(count) images of \(rows)×\(columns)")
        return Images(count: count, rows: rows, columns: columns, pixels: Array(bytes[16...]), checksum: CRC32.checksum(bytes))
    }

    /// Reads labels and checks each is below `classCount`.
    public static func readLabels(_ path: String, classCount: Int) throws -> Labels {
        let bytes = try contents(path, headerSize: 8) { head in
            let count = try header(head, path: path, magic: labelsMagic, kind: "label", dimensions: 1)[0]
            return try promisedSize([count], path: path, headerSize: 8, what: "\(count) labels")
        }
        let count = try header(bytes, path: path, magic: labelsMagic, kind: "label", dimensions: 1)[0]
        try checkSize(bytes, path: path, headerSize: 8, expected: count, what: "\(count) labels")
        let values = Array(bytes[8...])
        if let bad = values.firstIndex(where: { Int($0) >= classCount }) {
            throw FileProblem(path: path, reason: "has label \(values[bad]) at index \(bad); labels must be 0–\(classCount - 1)")
        }
        return Labels(values: values, checksum: CRC32.checksum(bytes))
    }

    /// Reads label sets (`PREFIX-label-sets-idx2-ubyte`, see `IDXWriter.writeLabelSets`): a row
    /// per image of `classCount` bytes, 1 where the class is right and 0 where it is not; a row
    /// of zeros is "none of these".
    public static func readLabelSets(_ path: String, classCount: Int) throws -> (sets: [LabelSet], checksum: UInt32) {
        let bytes = try contents(path, headerSize: 12) { head in
            let dims = try header(head, path: path, magic: labelSetsMagic, kind: "label-set", dimensions: 2)
            return try promisedSize(dims, path: path, headerSize: 12, what: "\(dims[0]) label sets of \(dims[1]) classes")
        }
        let dims = try header(bytes, path: path, magic: labelSetsMagic, kind: "label-set", dimensions: 2)
        guard dims[1] == classCount else {
            throw FileProblem(path: path, reason: "has label sets over \(dims[1]) classes; the network has \(classCount)")
        }
        try checkSize(bytes, path: path, headerSize: 12, expected: dims[0] * dims[1], what: "\(dims[0]) label sets of \(dims[1]) classes")
        if let bad = bytes[12...].firstIndex(where: { $0 > 1 }) {
            let index = (bad - 12) / classCount
            throw FileProblem(path: path, reason: "has \(bytes[bad]) in the label set of image \(index); each class is 1 (right) or 0")
        }
        let sets = (0..<dims[0]).map { row in
            LabelSet((0..<classCount).filter { bytes[12 + row * classCount + $0] == 1 })
        }
        return (sets, CRC32.checksum(bytes))
    }

    /// The whole file's size as its header promises it, checked for overflow and against the
    /// most this tool reads.
    private static func promisedSize(_ dims: [Int], path: String, headerSize: Int, what: String) throws -> Int {
        var size = 1
        for d in dims {
            let (next, overflow) = size.multipliedReportingOverflow(by: d)
            guard !overflow else { throw FileProblem(path: path, reason: "has a header promising \(what), which is more than can be counted") }
            size = next
        }
        guard size <= FileContents.defaultLimit - headerSize else {
            throw FileProblem(path: path, reason: "has a header promising \(what) (\(size) bytes), more than the \(FileContents.defaultLimit) bytes this tool reads")
        }
        return headerSize + size
    }

    /// The file's bytes, decompressed if it is gzip. A compressed file is inflated as a stream
    /// and stopped as soon as it holds more than its first `headerSize` bytes promise (`promised`
    /// tells how many), so a small file that inflates to gigabytes costs no more than the data
    /// it claims; bytes after the gzip stream that are not another gzip member are an error.
    static func contents(_ path: String, headerSize: Int, promised: ([UInt8]) throws -> Int) throws -> [UInt8] {
        var compressed: [UInt8]
        do throws(FileProblem) {
            compressed = try FileContents.read(path)
        } catch {
            throw FileProblem(path: path, reason: error.reason)
        }
        guard compressed.starts(with: gzipMagic) else {
            if compressed.count >= headerSize { _ = try promised(compressed) }
            return compressed
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FileProblem(path: path, reason: "cannot be inflated (zlib would not start)")
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var limit: Int?
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        try compressed.withUnsafeMutableBufferPointer { input in
            stream.next_in = input.baseAddress
            stream.avail_in = uInt(input.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { buffer -> (Int32, Int) in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, buffer.count - Int(stream.avail_out))
                }
                out.append(contentsOf: chunk[0..<produced])
                if limit == nil && out.count >= headerSize { limit = try promised(out) }
                if let limit, out.count > limit {
                    throw FileProblem(path: path, reason: "inflates to more than the \(limit) bytes its header promises")
                }
                switch status {
                case Z_OK: continue
                case Z_STREAM_END:
                    let rest = Int(stream.avail_in)
                    guard rest > 0 else { return }
                    let next = UnsafeBufferPointer(start: stream.next_in, count: rest)
                    guard next.starts(with: gzipMagic) else { throw FileProblem(path: path, reason: "has \(rest) bytes after its gzip stream") }
                    inflateReset(&stream)
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw FileProblem(path: path, reason: "is a damaged gzip file (truncated)")
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw FileProblem(path: path, reason: "is a damaged gzip file (\(message))")
                }
            }
        }
        return out
    }

    private static let gzipMagic: [UInt8] = [0x1F, 0x8B]

    private static func header(_ bytes: [UInt8], path: String, magic: UInt32, kind: String, dimensions: Int) throws -> [Int] {
        let headerSize = 4 + 4 * dimensions
        guard bytes.count >= 4 else { throw FileProblem(path: path, reason: "is too short to be an IDX file (\(bytes.count) bytes)") }
        let found = bigEndian(bytes, at: 0)
        guard found == magic else {
            let expected = String(format: "0x%08X", magic), actual = String(format: "0x%08X", found)
            throw FileProblem(path: path, reason: "is not an IDX \(kind) file (magic \(actual), expected \(expected))")
        }
        guard bytes.count >= headerSize else { throw FileProblem(path: path, reason: "is truncated inside its header") }
        return (0..<dimensions).map { Int(bigEndian(bytes, at: 4 + 4 * $0)) }
    }

    private static func checkSize(_ bytes: [UInt8], path: String, headerSize: Int, expected: Int, what: String) throws {
        let actual = bytes.count - headerSize
        if actual < expected {
            throw FileProblem(path: path, reason: "is truncated: its header promises \(what) (\(expected) bytes) but \(actual) bytes follow")
        }
        if actual > expected {
            throw FileProblem(path: path, reason: "has \(actual - expected) bytes more than its header's \(what)")
        }
    }

    private static func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}

