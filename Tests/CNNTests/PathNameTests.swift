import CNN
import XCTest

/// A file name's bytes survive the trip into a `String` and back, whatever they are.
final class PathNameTests: XCTestCase {
    private func roundTrip(_ bytes: [UInt8]) -> [UInt8] {
        PathName.withCString(PathName.string(bytes)) { Array(UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: strlen($0))) }
    }

    func testEveryKindOfNameComesBackByteForByte() {
        let names: [[UInt8]] = [
            Array("plain/shirt.png".utf8), Array("é/ü.jpg".utf8), [0x61, 0xE9, 0x62], [0xFF], [0xC3],  // a cut-off sequence
            [0xEF, 0x9F, 0xBF], Array("\u{F780}x".utf8), [0xED, 0xA0, 0x80],  // carriers as UTF-8; an encoded surrogate
        ]
        for name in names { XCTAssertEqual(roundTrip(name), name, "\(name)") }
    }

    func testOnlyNamesThatAreNotPlainUTF8AreCarriedByteByByte() {
        XCTAssertEqual(PathName.string(Array("é.png".utf8)), "é.png")
        XCTAssertEqual(PathName.string([0x61, 0xE9]).unicodeScalars.map(\.value), [0x61, 0xF7E9])
        XCTAssertEqual(PathName.string([0xEF, 0x9F, 0xBF]).unicodeScalars.map(\.value), [0xF7EF, 0xF79F, 0xF7BF],
                       "a carrier spelt in UTF-8 is carried too, so the way back is not ambiguous")
        XCTAssertEqual(PathName.byte(carriedBy: "\u{F7FF}"), 0xFF)
        XCTAssertNil(PathName.byte(carriedBy: "\u{F77F}"))
        XCTAssertNil(PathName.byte(carriedBy: "é"))
    }
}
