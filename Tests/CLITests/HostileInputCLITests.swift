import Foundation
import TestSupport
import XCTest

/// Inputs a shared folder or a careless command line can hold: links back up the tree, FIFOs,
/// devices, folders without images, standard input that never ends. Each ends with a one-line
/// reason naming the input and exit 1, and the other inputs are still classified.
final class HostileInputCLITests: XCTestCase {
    private var work: TemporaryDirectory!

    override func setUp() { work = TemporaryDirectory() }
    override func tearDown() { work = nil }
    private var model: String { (repositoryRoot as NSString).appendingPathComponent("Models/basic.cnnw") }
    private var sample: String { (repositoryRoot as NSString).appendingPathComponent("Samples/bag-crop.png") }

    private func classify(_ arguments: [String], stdin: Data? = nil) throws -> CommandResult {
        try CNNClassifyBinary.run(["--model", model] + arguments, stdin: stdin)
    }

    private func folder(_ name: String) throws -> String {
        let path = work.file(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func fifo(_ path: String) {
        XCTAssertEqual(mkfifo(path, 0o600), 0, "mkfifo \(path)")
    }

    func testLinksBackUpTheTreeAreWalkedOnce() throws {
        let tree = try folder("tree")
        try FileManager.default.copyItem(atPath: sample, toPath: tree + "/bag.png")
        try FileManager.default.createSymbolicLink(atPath: tree + "/a", withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(atPath: tree + "/b", withDestinationPath: ".")
        try FileManager.default.createDirectory(atPath: tree + "/sub", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: tree + "/sub/up", withDestinationPath: "..")
        let result = try classify([tree])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 1, "the one image, once: \(result.stdout)")
        XCTAssertTrue(result.stdout.hasPrefix(tree + "/bag.png: "), result.stdout)
    }

    func testFIFOsAndDevicesAreRefusedUnreadAndTheRestIsClassified() throws {
        let tree = try folder("tree")
        try FileManager.default.copyItem(atPath: sample, toPath: tree + "/bag.png")
        fifo(tree + "/pipe")
        let operand = work.file("operand-pipe")
        fifo(operand)
        let result = try classify([tree, operand, "/dev/zero", sample])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 2, result.stdout)
        let errors = result.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(errors, ["cnnclassify: \(tree)/pipe: is a FIFO, not a regular file; skipped",
                                "cnnclassify: \(operand): is a FIFO, not a regular file",
                                "cnnclassify: /dev/zero: is a character device, not a regular file"])
    }

    func testStandardInputAndFilesAreReadUpToTheLimit() throws {
        let image = try Data(contentsOf: URL(fileURLWithPath: sample))
        let big = work.file("big.png")
        try (image + Data(count: 5000)).write(to: URL(fileURLWithPath: big))
        let limit = String(image.count + 100)
        let fromStdin = try classify(["--max-bytes", limit, "-"], stdin: image + Data(count: 5000))
        XCTAssertEqual(fromStdin.status, 1)
        XCTAssertEqual(fromStdin.stderr, "cnnclassify: -: holds more than the \(limit)-byte limit\n")
        let files = try classify(["--max-bytes", limit, big, sample])
        XCTAssertEqual(files.status, 1)
        XCTAssertEqual(files.stderr, "cnnclassify: \(big): holds more than the \(limit)-byte limit\n")
        XCTAssertTrue(files.stdout.hasPrefix(sample + ": Bag"), files.stdout)
        XCTAssertEqual(try classify(["--max-bytes", limit, "-"], stdin: image).status, 0, "within the limit")
    }

    func testAFolderWithoutImagesIsSaidAndFails() throws {
        let named = try folder("dir.png")
        let empties = try folder("empties")
        for i in 0..<20 { XCTAssertTrue(FileManager.default.createFile(atPath: "\(empties)/\(i).png", contents: Data())) }
        let result = try classify([named, empties, sample])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "cnnclassify: \(named): holds no PNG or JPEG file\ncnnclassify: \(empties): holds no PNG or JPEG file\n")
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 1)
    }

    /// Undoes `\\`, `\t`, `\n`, `\r` and `\xHH` (for ASCII), as a reader of the text or TSV output would.
    private func unescaped(_ text: String) -> String {
        var out = "", scalars = Array(text.unicodeScalars), i = 0
        while i < scalars.count {
            if scalars[i] == "\\", i + 1 < scalars.count {
                switch scalars[i + 1] {
                case "t": out += "\t"; i += 2
                case "n": out += "\n"; i += 2
                case "r": out += "\r"; i += 2
                case "x": out.unicodeScalars.append(UnicodeScalar(UInt8(String(String.UnicodeScalarView(scalars[i + 2 ... i + 3])), radix: 16)!)); i += 4
                default: out.unicodeScalars.append(scalars[i + 1]); i += 2
                }
            } else {
                out.unicodeScalars.append(scalars[i]); i += 1
            }
        }
        return out
    }

    func testNamesWithControlCharactersCannotSplitOrForgeALineInAnyFormat() throws {
        let tree = try folder("names")
        let names = ["cr\rname.png", "nl\nforged.png: Trouser 1.0000", "tab\tand\\back.png", "esc\u{1b}[31mred.png", "comma,\"quote\".png"]
        for name in names { try FileManager.default.copyItem(atPath: sample, toPath: tree + "/" + name) }
        let expected = names.sorted().map { tree + "/" + $0 }

        let text = try classify([tree])
        XCTAssertEqual(text.status, 0, text.stderr)
        let textLines = text.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        XCTAssertEqual(textLines.count, names.count, text.stdout)
        XCTAssertEqual(textLines.map { unescaped(String($0[..<$0.range(of: ": Bag ")!.lowerBound])) }, expected)
        XCTAssertFalse(text.stdout.unicodeScalars.contains { $0 == "\r" || $0 == "\u{1b}" })

        let tsv = try classify(["--format", "tsv", tree])
        let rows = tsv.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().dropLast()
        XCTAssertEqual(rows.map { unescaped(String($0.split(separator: "\t", omittingEmptySubsequences: false)[0])) }, expected)
        XCTAssertTrue(rows.allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == 14 })

        let json = try classify(["--format", "json", tree])
        let objects = try json.stdout.split(separator: "\n").map { line in
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        XCTAssertEqual(objects.map { $0["path"] as? String }, expected)

        let csv = try classify(["--format", "csv", tree])
        XCTAssertEqual(csv.status, 0)
        XCTAssertTrue(csv.stdout.contains("\"\(tree)/comma,\"\"quote\"\".png\""), csv.stdout)
        XCTAssertTrue(csv.stdout.contains("\"\(tree)/nl\nforged.png: Trouser 1.0000\""), "quoted, as RFC 4180 has it")
    }

    /// `path`'s UTF-8 bytes with `raw` (not UTF-8) between them and `suffix`.
    private func rawPath(_ path: String, _ raw: [UInt8], _ suffix: String) -> [UInt8] { Array(path.utf8) + raw + Array(suffix.utf8) }

    private func exists(_ path: [UInt8]) -> Bool {
        var info = stat()
        return (path + [0]).withUnsafeBufferPointer { stat(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), &info) } == 0
    }

    func testANameThatIsNotUTF8IsClassifiedAndShownAsItsBytes() throws {
        let tree = try folder("bytes")
        try FileManager.default.copyItem(atPath: sample, toPath: tree + "/good.png")
        let image = try Data(contentsOf: URL(fileURLWithPath: sample))
        // Latin-1 "é" (0xE9), a lone 0xFF, and the UTF-8 of U+F7FF (the scalar that carries 0xFF).
        for raw: [UInt8] in [[0xE9], [0xFF], [0xEF, 0x9F, 0xBF]] {
            let fd = (rawPath(tree + "/bad", raw, ".png") + [0]).withUnsafeBufferPointer {
                open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT, 0o644)
            }
            XCTAssertGreaterThanOrEqual(fd, 0)
            XCTAssertEqual(image.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, image.count)
            close(fd)
        }
        let walked = try classify(["--format", "tsv", tree])
        XCTAssertEqual(walked.status, 0, walked.stderr)
        XCTAssertEqual(walked.stderr, "")
        let rows = walked.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: "\t").prefix(2).joined(separator: " ") }
        XCTAssertEqual(Set(rows), ["\(tree)/bad\\xe9.png Bag", "\(tree)/bad\\xff.png Bag", "\(tree)/bad\\xef\\x9f\\xbf.png Bag", "\(tree)/good.png Bag"])

        let listed = try classify(["--files-from", "-", "-0", "--save-input", work.file("inputs")],
                                  stdin: Data(rawPath(tree + "/bad", [0xFF], ".png") + [0]))
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertTrue(listed.stdout.hasPrefix("\(tree)/bad\\xff.png: Bag"), listed.stdout)
        XCTAssertTrue(exists(rawPath(work.file("inputs") + "/00001-bad", [0xFF], ".png")), "the input picture is named with the same byte")

        // On the command line: the shell passes the byte as it is.
        let operand = try CNNClassifyBinary.run(["-c", "exec \"$0\" --model \"$1\" \"$2$(printf '\\377').png\"", CNNClassifyBinary.path, model, tree + "/bad"],
                                                executable: "/bin/sh")
        XCTAssertEqual(operand.status, 0, operand.stderr)
        XCTAssertTrue(operand.stdout.hasPrefix("\(tree)/bad\\xff.png: Bag"), operand.stdout)
    }
}

