import CNN
import XCTest

final class CRC32Tests: XCTestCase {
    /// The CRC-32 one bit at a time, as the polynomial defines it: what the folding (64 bytes at
    /// a time where the processor has PCLMULQDQ) and zlib's tables must both give.
    private func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    func testCheckValueAndEveryLengthAndOffset() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
        var random = RandomSource(seed: 4)
        let bytes = (0..<70_000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        // Under 64 bytes, around each fold of 64 and 16, and long runs; at odd offsets too.
        for count in Array(0...300) + [1_023, 4_096, 65_537, 69_997] {
            for offset in [0, 1, 3] {
                let slice = Array(bytes[offset ..< offset + count])
                XCTAssertEqual(CRC32.checksum(slice), bitwise(slice), "\(count) bytes at offset \(offset)")
            }
        }
    }
}
