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
        let bytes = try decompressedContents(path)
        let dims = try header(bytes, path: path, magic: imagesMagic, kind: "image", dimensions: 3)
        let (count, rows, columns) = (dims[0], dims[1], dims[2])
        guard rows > 0, columns > 0 else { throw IDXError(path: path, reason: "has images of \(rows)×\(columns) pixels") }
        try checkSize(bytes, path: path, headerSize: 16, expected: count * rows * columns, what: "\(count) images of \(rows)×\(columns)")
        return Images(count: count, rows: rows, columns: columns, pixels: Array(bytes[16...]), checksum: crc(bytes))
    }

    /// Reads labels and checks each is below `classCount`.
    public static func readLabels(_ path: String, classCount: Int) throws -> Labels {
        let bytes = try decompressedContents(path)
        let count = try header(bytes, path: path, magic: labelsMagic, kind: "label", dimensions: 1)[0]
        try checkSize(bytes, path: path, headerSize: 8, expected: count, what: "\(count) labels")
        let values = Array(bytes[8...])
        if let bad = values.firstIndex(where: { Int($0) >= classCount }) {
            throw IDXError(path: path, reason: "has label \(values[bad]) at index \(bad); labels must be 0–\(classCount - 1)")
        }
        return Labels(values: values, checksum: crc(bytes))
    }

    /// The file's bytes, decompressed if it is gzip (zlib's gzread passes plain files through).
    static func decompressedContents(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw IDXError(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw IDXError(path: path, reason: "is a directory, not an IDX file") }
        guard let file = gzopen(path, "rb") else {
            throw IDXError(path: path, reason: "cannot be opened (\(String(cString: strerror(errno))))")
        }
        defer { gzclose(file) }
        gzbuffer(file, 1 << 20)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var code: Int32 = 0
                let message = String(cString: gzerror(file, &code))
                throw IDXError(path: path, reason: "is not a valid gzip stream (\(message))")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<Int(n)])
        }
        // gzread stops quietly at a truncated gzip stream; gzerror still tells.
        var code: Int32 = 0
        let message = gzerror(file, &code)
        if code != Z_OK && code != Z_STREAM_END {
            throw IDXError(path: path, reason: "is a damaged gzip file (\(message.map { String(cString: $0) } ?? "error \(code)"))")
        }
        return bytes
    }

    private static func header(_ bytes: [UInt8], path: String, magic: UInt32, kind: String, dimensions: Int) throws -> [Int] {
        let headerSize = 4 + 4 * dimensions
        guard bytes.count >= 4 else { throw IDXError(path: path, reason: "is too short to be an IDX file (\(bytes.count) bytes)") }
        let found = bigEndian(bytes, at: 0)
        guard found == magic else {
            let expected = String(format: "0x%08X", magic), actual = String(format: "0x%08X", found)
            throw IDXError(path: path, reason: "is not an IDX \(kind) file (magic \(actual), expected \(expected))")
        }
        guard bytes.count >= headerSize else { throw IDXError(path: path, reason: "is truncated inside its header") }
        return (0..<dimensions).map { Int(bigEndian(bytes, at: 4 + 4 * $0)) }
    }

    private static func checkSize(_ bytes: [UInt8], path: String, headerSize: Int, expected: Int, what: String) throws {
        let actual = bytes.count - headerSize
        if actual < expected {
            throw IDXError(path: path, reason: "is truncated: its header promises \(what) (\(expected) bytes) but \(actual) bytes follow")
        }
        if actual > expected {
            throw IDXError(path: path, reason: "has \(actual - expected) bytes more than its header's \(what)")
        }
    }

    private static func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func crc(_ bytes: [UInt8]) -> UInt32 {
        UInt32(bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) })
    }
}

/// A data file that cannot be used, with the reason.
public struct IDXError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
