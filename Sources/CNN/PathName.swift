/// File names are bytes and Swift strings are Unicode: a name that is not UTF-8 (an old archive,
/// a Latin-1 file system) is carried in a `String` with each byte from 0x80 up as a private-use
/// scalar, U+F780 to U+F7FF, so that it can be shown (`\xHH`) and opened again byte for byte.
/// A name that is UTF-8 but already holds one of those scalars is carried the same way, byte by
/// byte, so that the way back is never ambiguous.
public enum PathName {
    /// The name of `bytes` (a path, a directory entry or a command-line argument).
    public static func string<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        if let text = String(validating: bytes, as: UTF8.self), !text.unicodeScalars.contains(where: carriesAByte) {
            return text
        }
        var text = ""
        for byte in bytes { text.unicodeScalars.append(byte < 0x80 ? UnicodeScalar(byte) : carrier(of: byte)) }
        return text
    }

    /// The byte a private-use scalar stands for, if it is one of the carriers.
    public static func byte(carriedBy scalar: UnicodeScalar) -> UInt8? {
        carriesAByte(scalar) ? UInt8(scalar.value - 0xF700) : nil
    }

    /// Calls `body` with the NUL-terminated bytes `path` names, for the C calls that take a path.
    public static func withCString<Result>(_ path: String, _ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
        guard path.unicodeScalars.contains(where: carriesAByte) else { return try path.withCString(body) }
        var bytes: [UInt8] = []
        for scalar in path.unicodeScalars {
            if let byte = byte(carriedBy: scalar) { bytes.append(byte) } else { bytes += Array(String(scalar).utf8) }
        }
        bytes.append(0)
        return try bytes.withUnsafeBufferPointer { try body(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self)) }
    }

    private static func carrier(of byte: UInt8) -> UnicodeScalar { UnicodeScalar(0xF700 + UInt32(byte))! }

    private static func carriesAByte(_ scalar: UnicodeScalar) -> Bool { (0xF780...0xF7FF).contains(scalar.value) }
}
