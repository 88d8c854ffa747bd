@testable import CNN
import XCTest

final class FloatRunTests: XCTestCase {
    /// Every length from empty to five steps and a bit, at offsets that are not vector-aligned:
    /// the run is copied exactly and the floats on either side of it are untouched.
    func testCopyWritesExactlyTheRun() {
        for count in 0...43 {
            var source = (0..<(count + 3)).map { Float($0) + 0.25 }
            var destination = [Float](repeating: .nan, count: count + 5)
            source.withUnsafeMutableBufferPointer { s in
                destination.withUnsafeMutableBufferPointer { d in
                    FloatRun.copy(s.baseAddress! + 1, to: d.baseAddress! + 2, count: count)
                }
            }
            XCTAssertEqual(Array(destination[2..<(2 + count)]), Array(source[1..<(1 + count)]), "count \(count)")
            XCTAssertTrue(destination[..<2].allSatisfy(\.isNaN) && destination[(2 + count)...].allSatisfy(\.isNaN), "count \(count)")
        }
    }

    /// Each float receives one addition, whatever the length, and the lanes the last step goes
    /// over again keep their sign of zero and their value to the bit.
    func testAddAddsEachFloatOnce() {
        for count in 0...43 {
            let source = (0..<count).map { $0 % 3 == 0 ? Float(-0.0) : Float($0) * 0.1 }
            let start = (0..<count).map { $0 % 2 == 0 ? Float(-0.0) : Float($0) * 1e-3 }
            var destination = [Float(7)] + start + [Float(9)]
            source.withUnsafeBufferPointer { s in
                destination.withUnsafeMutableBufferPointer { d in
                    FloatRun.add(s.baseAddress!, to: d.baseAddress! + 1, count: count)
                }
            }
            let expected = [Float(7)] + zip(start, source).map { $0 + $1 } + [Float(9)]
            XCTAssertEqual(destination.map(\.bitPattern), expected.map(\.bitPattern), "count \(count)")
        }
    }
}
