import Foundation
import TestSupport
import XCTest

/// `classify --output FILE --resume`: a run killed at any moment and resumed, as often as it
/// takes, leaves exactly the file an uninterrupted run writes — no result missing, none twice,
/// no line cut off — in every format.
final class ResumeCLITests: XCTestCase {
    private var work: TemporaryDirectory!

    override func setUp() { work = TemporaryDirectory() }
    override func tearDown() { work.remove() }
    private var model: String { (repositoryRoot as NSString).appendingPathComponent("Models/basic.cnnw") }

    private func arguments(_ format: String, output: String, resume: Bool) -> [String] {
        ["--model", model, "--format", format, "--batch-size", "4", "--threads", "1", "--output", output] + (resume ? ["--resume"] : [])
            + [work.file("tree")]
    }

    /// Starts the binary, kills it with SIGKILL after `delay` seconds unless it ended; its exit status, or nil if killed.
    private func run(_ arguments: [String], killAfter delay: Double) throws -> Int32? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CNNClassifyBinary.path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(delay)
        while process.isRunning && Date() < deadline { usleep(2_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? nil : process.terminationStatus
    }

    func testAKilledRunResumedGivesExactlyTheUninterruptedFile() throws {
        let sample = (repositoryRoot as NSString).appendingPathComponent("Samples/bag-crop.png")
        let tree = work.file("tree")
        try FileManager.default.createDirectory(atPath: tree + "/sub", withIntermediateDirectories: true)
        for i in 0..<200 { try FileManager.default.copyItem(atPath: sample, toPath: String(format: "%@/%03d.png", tree, i)) }
        // Names each format must quote or escape, and one that is not an image (never a result).
        for name in ["sub/comma,\"quote\".png", "sub/new\nline.png", "sub/tab\there.png", "sub/colon: Bag 0.5.png"] {
            try FileManager.default.copyItem(atPath: sample, toPath: tree + "/" + name)
        }
        var random = SystemRandomNumberGenerator()
        for format in ["tsv", "csv", "json", "text"] {
            let whole = work.file("whole.\(format)"), resumed = work.file("resumed.\(format)")
            let started = Date()
            XCTAssertEqual(try run(arguments(format, output: whole, resume: false), killAfter: 120), 0)
            // Kills anywhere in a whole run's time, start-up included, a few times; then a run
            // left to finish (on a busy machine a resumed run's start-up alone can outlast the
            // kills, so waiting for one of them to finish could take for ever).
            let duration = Date().timeIntervalSince(started)
            var kills: [Double] = [], finished = false
            for _ in 0..<12 where !finished {
                let delay = Double.random(in: 0.01...max(0.02, 0.8 * duration), using: &random)
                finished = try run(arguments(format, output: resumed, resume: true), killAfter: delay) == 0
                if !finished { kills.append(delay) }
            }
            if !finished { XCTAssertEqual(try run(arguments(format, output: resumed, resume: true), killAfter: 120), 0, "\(format): the last run") }
            let expected = try Data(contentsOf: URL(fileURLWithPath: whole)), got = try Data(contentsOf: URL(fileURLWithPath: resumed))
            XCTAssertEqual(got, expected, "\(format), killed after \(kills) s")
            XCTAssertFalse(kills.isEmpty, "\(format): killed at least once")
        }
    }

    func testResumingAnotherFormatsFileIsRefusedAndItIsKept() throws {
        let tree = work.file("tree")
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: (repositoryRoot as NSString).appendingPathComponent("Samples/bag-crop.png"), toPath: tree + "/bag.png")
        let output = work.file("results.json")
        XCTAssertEqual(try CNNClassifyBinary.run(arguments("json", output: output, resume: false)).status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: output))
        let refused = try CNNClassifyBinary.run(arguments("tsv", output: output, resume: true))
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.hasPrefix("cnnclassify: \(output): does not hold tsv results"), refused.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output)), before)
        let again = try CNNClassifyBinary.run(arguments("json", output: output, resume: true))
        XCTAssertEqual(again.status, 0)
        XCTAssertEqual(again.stderr, "cnnclassify: \(output): resuming after the 1 results it holds\n")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output)), before, "nothing left to add")
        XCTAssertEqual(try CNNClassifyBinary.run(["--model", model, "--resume", tree]).status, 2, "--resume needs --output")
    }
}
