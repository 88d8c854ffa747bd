import Classifier
import Foundation
import TestSupport
import XCTest

/// A `--files-from` list read in chunks as it is used: entries across chunk boundaries, line ends,
/// empty entries, and a list that is no list.
final class PathListTests: XCTestCase {
    private var work: TemporaryDirectory!

    override func setUp() { work = TemporaryDirectory() }
    override func tearDown() { work.remove() }

    private func entries(_ bytes: [UInt8], nulSeparated: Bool = false) throws -> (paths: [String], problems: [String]) {
        let path = work.file("list")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var problems: [String] = []
        let list = try PathList(path, nulSeparated: nulSeparated) { problems.append($1) }
        return (Array(IteratorSequence(list)), problems)
    }

    func testEntriesAcrossChunksLineEndsAndEmptyEntries() throws {
        // 20,000 paths of 12 bytes: 240 KB, so entries straddle the 64 KB reads.
        let names = (0..<20_000).map { String(format: "dir/%06d.png", $0) }
        let text = names.joined(separator: "\n") + "\n\n\r\nlast.png\r"
        XCTAssertEqual(try entries(Array(text.utf8)).paths, names + ["last.png"], "no separator after the last")
        let nul = Array(names.prefix(3).joined(separator: "\0").utf8) + [0, 0] + Array("a\rb".utf8)
        XCTAssertEqual(try entries(nul, nulSeparated: true).paths, Array(names.prefix(3)) + ["a\rb"], "NUL lists keep a \\r")
    }

    func testAListWithoutSeparatorsStopsWithAReason() throws {
        let (paths, problems) = try entries([UInt8](repeating: 0x61, count: 3 << 20))
        XCTAssertEqual(paths, [])
        XCTAssertEqual(problems, ["holds an entry longer than 1048576 bytes; the rest of the list is not read"])
        XCTAssertThrowsError(try PathList(work.path, nulSeparated: false) { _, _ in }) { error in
            XCTAssertTrue("\(error)".hasSuffix("is a directory, not a regular file"), "\(error)")
        }
    }
}
