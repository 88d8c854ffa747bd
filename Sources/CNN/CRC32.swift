import CKernels
import CZlib

/// zlib's CRC-32 (the one PNG and gzip use): what a weight file ends with, and how a data file
/// the model was trained on is recorded. Where the processor multiplies without carries
/// (PCLMULQDQ), all but the last few bytes are folded 64 at a time, three times zlib's speed here,
/// which a weight file's 3.4 MB check at every start of the tool pays for.
public enum CRC32 {
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        bytes.withContiguousStorageIfAvailable { checksum(UnsafeRawBufferPointer($0)) } ?? Array(bytes).withUnsafeBytes { checksum($0) }
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let start = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        var crc: UInt32 = 0, consumed = 0
        if folding { crc = ck_crc32_fold(0, start, bytes.count, &consumed) }
        return UInt32(crc32_z(uLong(crc), start + consumed, bytes.count - consumed))
    }

    private static let folding = ck_crc32_folding_supported() != 0
}
