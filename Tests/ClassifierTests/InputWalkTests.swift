import Classifier
import Foundation
import TestSupport
import XCTest

/// The folder walk hands out inputs as it goes: in a fixed order, images known by their bytes,
/// each directory listed only when the walk reaches it.
final class InputWalkTests: XCTestCase {
    private var work: TemporaryDirectory!
    private let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    override func setUp() { work = TemporaryDirectory() }
    override func tearDown() { work.remove() }

    private func make(_ relative: String, image: Bool = true) throws {
        let path = work.file(relative)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(image ? png : Array("not an image".utf8)).write(to: URL(fileURLWithPath: path))
    }

    private func names(_ inputs: some Sequence<ClassifierInput>) -> [String] {
        inputs.map { String($0.name.dropFirst(work.path.count + 1)) }
    }

    func testDepthFirstEachDirectorySortedImagesKnownByTheirBytes() throws {
        for file in ["b/2.png", "b/10.png", "a.png", "c/d/e.jpg", "c/0.txt"] { try make(file) }
        try make("b/readme.png", image: false)
        var problems: [String] = []
        let inputs = InputList.expand([work.path]) { problems.append("\($0): \($1)") }
        XCTAssertEqual(names(inputs), ["a.png", "b/10.png", "b/2.png", "c/0.txt", "c/d/e.jpg"])
        XCTAssertEqual(problems, [])
    }

    func testADirectoryIsListedWhenTheWalkReachesItNotBefore() throws {
        try make("a/1.png")
        try FileManager.default.createDirectory(atPath: work.file("b"), withIntermediateDirectories: false)
        try make("c/1.png")
        var walk = InputWalk([work.path]) { path, reason in XCTFail("\(path): \(reason)") }
        XCTAssertEqual(walk.next().map { names([$0]) }, ["a/1.png"])
        // Made after the walk began: files in directories not reached yet are seen, one in a
        // directory already listed is not.
        try make("a/2.png")
        try make("b/1.png")
        try make("c/2.png")
        XCTAssertEqual(names(IteratorSequence(walk)), ["b/1.png", "c/1.png", "c/2.png"])
    }

    func testAnEmptyFolderIsReportedWhenItsWalkEndsAndListedPathsAreNotWalked() throws {
        try make("empty/notes.txt", image: false)
        try make("full/1.png")
        var problems: [String] = []
        let walk = InputWalk([work.file("empty"), work.file("full"), "-"], listed: AnyIterator([work.file("full")].makeIterator())) {
            problems.append("\($0): \($1)")
        }
        let inputs = Array(walk)
        XCTAssertEqual(inputs.map(\.name), [work.file("full/1.png"), "-", work.file("full")], "the listed directory is an input, not walked")
        XCTAssertEqual(problems, ["\(work.file("empty")): holds no PNG or JPEG file"])
    }

    func testShardsByPositionAndByHashAreDisjointAndCoverEverything() {
        let inputs = (1...200).map { ClassifierInput.file("dir/\($0).png") }
        XCTAssertEqual(Shard(part: 2, of: 3).select(inputs).map(\.name), stride(from: 2, through: 200, by: 3).map { "dir/\($0).png" })
        // The count known beforehand is the count selected, for every part and a ragged total.
        for total in [0, 1, 7, 200] {
            for part in 1...3 { XCTAssertEqual(Shard(part: part, of: 3).count(of: total), Array(Shard(part: part, of: 3).select(inputs.prefix(total))).count) }
        }
        for split in Shard.Split.allCases {
            let shares = (1...4).map { Set(Shard(part: $0, of: 4, split: split).select(inputs).map(\.name)) }
            XCTAssertEqual(shares.reduce(0) { $0 + $1.count }, 200, "\(split): each input once")
            XCTAssertEqual(shares.reduce(Set()) { $0.union($1) }, Set(inputs.map(\.name)))
            XCTAssertTrue(shares.allSatisfy { $0.count > 30 }, "\(split): \(shares.map(\.count))")
        }
        // By hash, a file keeps its shard when others are added before it.
        let more = [ClassifierInput.file("dir/0a.png"), .file("dir/0b.png")] + inputs
        XCTAssertEqual(Set(Shard(part: 3, of: 4, split: .hash).select(more).map(\.name)).subtracting(["dir/0a.png", "dir/0b.png"]),
                       Set(Shard(part: 3, of: 4, split: .hash).select(inputs).map(\.name)))
    }

    func testShardAutoReadsEachLauncher() throws {
        func shard(_ environment: [String: String], count: Int? = nil) throws -> [Int] {
            let found = try Shard.fromEnvironment(environment, count: count).shard
            return [found.part, found.parts]
        }
        XCTAssertEqual(try shard(["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "4"]), [2, 4])
        XCTAssertEqual(try shard(["SLURM_ARRAY_TASK_ID": "20", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_STEP": "5",
                                  "SLURM_ARRAY_TASK_COUNT": "3"]), [3, 3])
        XCTAssertEqual(try shard(["JOB_COMPLETION_INDEX": "0"], count: 8), [1, 8])
        XCTAssertEqual(try shard(["PARALLEL_SEQ": "3"], count: 3), [3, 3])
        for (environment, count, words) in [([String: String](), nil as Int?, "no launcher"), (["JOB_COMPLETION_INDEX": "2"], nil, "--shards N"),
                                            (["PARALLEL_SEQ": "4"], 3, "not one of 1…3"), (["SLURM_ARRAY_TASK_ID": "x"], nil, "not a number")] {
            XCTAssertThrowsError(try Shard.fromEnvironment(environment, count: count)) { error in
                XCTAssertTrue("\(error)".contains(words), "\(error)")
            }
        }
    }
}
