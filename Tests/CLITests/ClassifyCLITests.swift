import CNN
import Datasets
import Foundation
import Imaging
import TestSupport
import XCTest

/// `cnnclassify [classify]` run as a user would: real files, the built binary, the shipped model.
final class ClassifyCLITests: XCTestCase {
    private var work: TemporaryDirectory!

    override func setUp() { work = TemporaryDirectory() }
    override func tearDown() { work = nil }
    private var model: String { (repositoryRoot as NSString).appendingPathComponent("Models/basic.cnnw") }
    private let classNames = FashionMNIST.classNames

    private func classify(_ arguments: [String], stdin: Data? = nil) throws -> CommandResult {
        try CNNClassifyBinary.run(["--model", model] + arguments, stdin: stdin)
    }

    /// Synthetic 28×28 images (no data set needed) as PNG files a.png, b.png, …
    private func writeImages(_ count: Int, in directory: String) throws -> [String] {
        let images = SyntheticData.images(count: count)
        return try (0..<count).map { i in
            let path = (directory as NSString).appendingPathComponent("\(Character(UnicodeScalar(UInt8(97 + i)))).png")
            ImageFixtures.write(try ImageFixtures.png(images, i), to: path)
            return path
        }
    }

    /// The run is made to last: standard input, one of the inputs, comes a second late, so that
    /// the run goes on well past the fifth of a second between two lines even when starting the
    /// tool takes half a second on a busy machine.
    func testProgressOnlyWhenAskedOutsideATerminal() throws {
        let files = try writeImages(4, in: work.path)
        let many = Array(repeating: files, count: 150).flatMap { $0 } + ["-"] + Array(repeating: files, count: 150).flatMap { $0 }
        func slowly(_ arguments: [String]) throws -> CommandResult {
            try CNNClassifyBinary.run(["-c", #"exe=$1; image=$2; shift 2; (sleep 1; cat "$image") | "$exe" "$@""#, "sh",
                                       CNNClassifyBinary.path, files[0], "--model", model] + arguments, executable: "/bin/sh")
        }
        let quiet = try slowly(["--batch-size", "16", "--threads", "1"] + many)
        XCTAssertEqual(quiet.stderr, "", "no progress in a pipe unless asked")
        let shown = try slowly(["--progress", "--batch-size", "16", "--threads", "1"] + many)
        XCTAssertEqual(shown.status, 0)
        XCTAssertEqual(shown.stdout, quiet.stdout)
        XCTAssertEqual(shown.stdout.split(separator: "\n").count, 1_201)
        let lines = shown.stderr.split(separator: "\r").map { $0.replacingOccurrences(of: "\u{1B}[K", with: "") }.filter { !$0.isEmpty }
        XCTAssertFalse(lines.isEmpty, "the run lasts more than a fifth of a second")
        for line in lines {
            XCTAssertNotNil(line.range(of: #"^[0-9,]+ of 1,201 files, [0-9,]+ files/s, ETA [0-9]+:[0-9]{2}$"#, options: .regularExpression), line)
        }
        XCTAssertTrue(shown.stderr.hasSuffix("\r\u{1B}[K"), "the line is cleared at the end")
    }

    func testTextOutputIsOneLinePerImageInInputOrder() throws {
        let files = try writeImages(4, in: work.path)
        let order = [files[2], files[0], files[3], files[1]]
        let result = try classify(order)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.map { String($0.prefix { $0 != ":" }) }, order)
        for line in lines {
            // "PATH: CLASS 0.1234", then "  [low confidence]" when the top probability is below 0.5.
            let answer = line.split(separator: ": ")[1].split(separator: "  [").map(String.init)
            let (name, value) = (answer[0].dropLast(7), answer[0].suffix(6))
            XCTAssertTrue(classNames.contains(String(name)), line)
            let probability = try XCTUnwrap(Double(value), line)
            XCTAssertEqual(answer.count == 2, probability < 0.5, line)
        }
        let top3 = try classify(["--top", "3", files[0]]).stdout
        XCTAssertEqual(top3.split(separator: ",").count, 3, top3)
        let all = try classify(["--all", files[0]]).stdout
        XCTAssertEqual(all.split(separator: ",").count, 10, all)
    }

    func testMachineFormatsParseBack() throws {
        let files = try writeImages(3, in: work.path)
        let tsv = try classify(["--format", "tsv"] + files)
        XCTAssertEqual(tsv.status, 0, tsv.stderr)
        let rows = tsv.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        XCTAssertEqual(rows.count, 4)
        XCTAssertEqual(rows[0].map(String.init), ["path", "class", "probability", "low_confidence"] + classNames)
        for (row, file) in zip(rows.dropFirst(), files) {
            XCTAssertEqual(row.count, 14)
            XCTAssertEqual(String(row[0]), file)
            let probabilities = row[4...].map { Double($0)! }
            XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertEqual(Double(row[2])!, probabilities.max()!)
            // The basic model has no fitted calibration: only the probability rule applies.
            XCTAssertEqual(String(row[3]), String(probabilities.max()! < 0.5))
            XCTAssertEqual(String(row[1]), classNames[probabilities.firstIndex(of: probabilities.max()!)!])
        }

        let csv = try classify(["--format", "csv"] + files)
        let csvRows = csv.stdout.split(separator: "\n")
        XCTAssertEqual(csvRows.count, 4)
        XCTAssertTrue(csvRows.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 14 })

        let json = try classify(["--format", "json"] + files)
        let objects = try json.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(objects.count, 3)
        for (object, file) in zip(objects, files) {
            XCTAssertEqual(object["path"] as? String, file)
            let label = object["label"] as! Int
            XCTAssertEqual(object["class"] as? String, classNames[label])
            let byClass = object["probabilities"] as! [String: Double]
            XCTAssertEqual(Set(byClass.keys), Set(classNames))
            XCTAssertEqual(byClass.values.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertEqual(object["probability"] as! Double, byClass[classNames[label]]!)
            XCTAssertEqual(object["low_confidence"] as? Bool, (object["probability"] as! Double) < 0.5)
            XCTAssertEqual(object["unusual"] as? Bool, false)
        }
    }

    func testDirectoriesStdinListsAndShards() throws {
        let folder = work.file("folder")
        try FileManager.default.createDirectory(atPath: folder + "/nested", withIntermediateDirectories: true)
        let files = try writeImages(3, in: folder) + writeImages(2, in: folder + "/nested")
        ImageFixtures.write(Array("not an image".utf8), to: folder + "/notes.txt")
        let walked = try classify(["--format", "tsv", folder])
        XCTAssertEqual(walked.status, 0, walked.stderr)
        let paths = walked.stdout.split(separator: "\n").dropFirst().map { String($0.split(separator: "\t")[0]) }
        XCTAssertEqual(paths, files.sorted(), "images found by content, in sorted order; the text file skipped")

        let bytes = try Data(contentsOf: URL(fileURLWithPath: files[0]))
        let piped = try classify(["-"], stdin: bytes)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertTrue(piped.stdout.hasPrefix("-: "), piped.stdout)
        XCTAssertEqual(piped.stdout.split(separator: ":")[1], try classify([files[0]]).stdout.split(separator: ":")[1])

        let list = Data(files.joined(separator: "\0").utf8)
        let listed = try classify(["--files-from", "-", "-0", "--format", "tsv"], stdin: list)
        XCTAssertEqual(listed.stdout.split(separator: "\n").count, 6, listed.stderr)

        let first = try classify(["--shard", "1/2", "--format", "tsv", folder]).stdout.split(separator: "\n").dropFirst()
        let second = try classify(["--shard", "2/2", "--format", "tsv", folder]).stdout.split(separator: "\n").dropFirst()
        XCTAssertEqual(first.count + second.count, 5)
        XCTAssertEqual(Set(first + second).count, 5)
        XCTAssertEqual(try classify(["--shard", "3/2", folder]).status, 2)
    }

    /// Each kind of bad input gets `cnnclassify: PATH: reason`, the good files are still
    /// classified, and the exit status is 1.
    func testBadInputsAreReportedAndTheRestClassified() throws {
        let good = try writeImages(2, in: work.path)
        let png = try ImageFixtures.png(SyntheticData.images(count: 1), 0)
        let jpeg = try ImageEncoder.jpeg((0..<64 * 64).map { UInt8($0 % 256) }, width: 64, height: 64, channels: 1)
        let cases: [(String, [UInt8]?, String)] = [
            ("empty.png", [], "empty file"),
            ("text.png", Array("hello\n".utf8), "not a PNG or JPEG image"),
            ("truncated.png", Array(png.prefix(png.count / 2)), "damaged PNG"),
            ("crc.png", ImageSurgery.withBadIDATChecksum(png), "CRC error"),
            ("huge.png", ImageSurgery.claimingSize(png, width: 100_000, height: 100_000), "100000x100000 pixels, over the limit"),
            ("truncated.jpg", Array(jpeg.prefix(jpeg.count / 2)), "damaged JPEG"),
            ("garbage.jpg", ImageSurgery.jpegWithGarbage(jpeg), "damaged JPEG"),
            ("missing.png", nil, "no such file"),
        ]
        var paths = [good[0]]
        for (name, bytes, _) in cases {
            let path = work.file(name)
            if let bytes { ImageFixtures.write(bytes, to: path) }
            paths.append(path)
        }
        paths.append(good[1])
        // A directory named in a list of files, and a file that cannot be read even by root.
        let listed = work.file("list.txt")
        ImageFixtures.write(Array("\(work.path)\n/proc/self/mem\n".utf8), to: listed)
        let result = try classify(paths + ["--files-from", listed])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout.split(separator: "\n").map { String($0.prefix { $0 != ":" }) }, good)
        let errors = result.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(errors.count, cases.count + 2, result.stderr)
        for ((name, _, reason), line) in zip(cases, errors) {
            XCTAssertTrue(line.hasPrefix("cnnclassify: \(work.file(name)): "), line)
            XCTAssertTrue(line.contains(reason), "\(line) does not say \(reason)")
        }
        XCTAssertEqual(errors[cases.count], "cnnclassify: \(work.path): is a directory, not a regular file")
        XCTAssertTrue(errors[cases.count + 1].hasPrefix("cnnclassify: /proc/self/mem: "), errors[cases.count + 1])
    }

    func testExitStatusesAndSaveInput() throws {
        let files = try writeImages(2, in: work.path)
        let saved = work.file("seen")
        let ok = try classify(files + ["--save-input", saved])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: saved).sorted()
        XCTAssertEqual(names, ["00001-a.png", "00002-b.png"])
        let input = try ImageDecoder().decode(Array(try Data(contentsOf: URL(fileURLWithPath: saved + "/00001-a.png"))))
        XCTAssertEqual([input.width, input.height], [28, 28])
        XCTAssertEqual(input.pixels, Array(SyntheticData.images(count: 1).pixels), "a 28×28 input is what the network sees")

        let badModel = try CNNClassifyBinary.run(["--model", work.file("none.cnnw"), files[0]])
        XCTAssertEqual(badModel.status, 2)
        XCTAssertTrue(badModel.stderr.hasPrefix("cnnclassify: \(work.file("none.cnnw")): cannot be read"), badModel.stderr)
        XCTAssertEqual(try CNNClassifyBinary.run([]).status, 2, "no input is a usage error")
        let help = try CNNClassifyBinary.run(["classify", "--help"])
        for word in ["--format", "--files-from", "--shard", "--save-input", "--save-mask", "--explain", "--invert", "--preprocess", "--max-pixels", "low confidence", "Examples"] {
            XCTAssertTrue(help.stdout.contains(word), "classify help lacks \(word)")
        }
        // Prose paragraphs (unindented, before USAGE) never hold a run of spaces: a lost line
        // continuation in a multi-line string leaves the next line's indentation in the text.
        for command in ["classify", "train", "prepare", "calibrate", "evaluate", "info", "benchmark"] {
            let text = try CNNClassifyBinary.run([command, "--help"]).stdout
            let prose = text.components(separatedBy: "USAGE:")[0].split(separator: "\n").filter { !$0.hasPrefix(" ") }
            for line in prose { XCTAssertFalse(line.contains("   "), "\(command) --help: \(line)") }
        }
    }

    /// The committed samples, classified by the shipped model as the tables in Samples/README.md
    /// say (their last column; the tables' rows in any order, the output in file-name order).
    func testSamplesGolden() throws {
        let table = try String(contentsOfFile: (repositoryRoot as NSString).appendingPathComponent("Samples/README.md"), encoding: .utf8)
        let expected = table.split(separator: "\n").filter { $0.hasPrefix("| `") }.map { row in
            String(row.split(separator: "|").last!.trimmingCharacters(in: .whitespaces).dropFirst().dropLast())
        }
        XCTAssertGreaterThanOrEqual(expected.count, 30)
        let result = try CNNClassifyBinary.run(["Samples/"], directory: repositoryRoot)
        XCTAssertEqual(result.status, 0, result.stderr)
        let printed = result.stdout.split(separator: "\n").map(String.init)
        func path(_ line: String) -> String { String(line.prefix { $0 != ":" }) }
        XCTAssertEqual(printed.map(path), printed.map(path).sorted(), "file-name order")
        XCTAssertEqual(printed, expected.sorted { path($0) < path($1) })
    }

    /// Every `$ cnnclassify` example of the README prints what the README shows. The `evaluate`
    /// example measures all of t10k, which `ShippedModelTests` does once for both.
    func testReadmeExamplesPrintWhatTheReadmeShows() throws {
        let examples = try ReadmeExample.all(in: "README.md")
        XCTAssertEqual(examples.filter { $0.arguments.first == "evaluate" }.map(\.arguments), [["evaluate"]])
        let classifying = examples.filter { $0.arguments.first != "evaluate" }
        XCTAssertGreaterThanOrEqual(classifying.count, 4)
        for example in classifying {
            let result = try CNNClassifyBinary.run(example.arguments, directory: repositoryRoot)
            XCTAssertEqual(result.status, 0, "\(example): \(result.stderr)")
            XCTAssertTrue(example.matches(result.stdout), "\(example) printed\n\(result.stdout)\nbut the README shows\n\(example.output.joined(separator: "\n"))")
        }
    }

    /// Without --model the shipped model is found from the repository, from an installed layout
    /// (`bin/` beside `share/cnnclassify/`), and from $CNNCLASSIFY_MODEL.
    func testModelIsFoundWithoutFlags() throws {
        let image = try writeImages(1, in: work.path)[0]
        let fromRepository = try CNNClassifyBinary.run([image], directory: repositoryRoot)
        XCTAssertEqual(fromRepository.status, 0, fromRepository.stderr)

        let prefix = work.file("prefix")
        try FileManager.default.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: prefix + "/share/cnnclassify", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CNNClassifyBinary.path, toPath: prefix + "/bin/cnnclassify")
        try FileManager.default.copyItem(atPath: (repositoryRoot as NSString).appendingPathComponent("Models/fashion.cnnw"),
                                         toPath: prefix + "/share/cnnclassify/fashion.cnnw")
        let installed = try CNNClassifyBinary.run([image], directory: "/", executable: prefix + "/bin/cnnclassify")
        XCTAssertEqual(installed.status, 0, installed.stderr)
        XCTAssertEqual(installed.stdout, fromRepository.stdout)

        let missing = try CNNClassifyBinary.run([image], environment: ["CNNCLASSIFY_MODEL": work.file("nothing.cnnw")], directory: "/")
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains(work.file("nothing.cnnw")), missing.stderr)
    }

    /// A blank page has no object for preprocessing to find: whatever the network says, the
    /// answer is flagged as unusual.
    func testBlankImageIsFlagged() throws {
        let blank = work.file("blank.png")
        ImageFixtures.write(try ImageEncoder.grayPNG([UInt8](repeating: 255, count: 200 * 200), width: 200, height: 200), to: blank)
        let text = try classify([blank])
        XCTAssertTrue(text.stdout.hasSuffix("  [low confidence: unlike the training images]\n"), text.stdout)
        let json = try classify(["--format", "json", blank])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["unusual"] as? Bool, true)
        XCTAssertEqual(object["low_confidence"] as? Bool, true)
    }

    /// --explain writes one picture per input, named like --save-input's, showing the input
    /// enlarged 8× with the heatmap beside it.
    func testExplainWritesOnePicturePerInput() throws {
        let files = try writeImages(2, in: work.path)
        let result = try classify(["--explain", work.file("explain")] + files)
        XCTAssertEqual(result.status, 0, result.stderr)
        let written = try FileManager.default.contentsOfDirectory(atPath: work.file("explain")).sorted()
        XCTAssertEqual(written, ["00001-a.png", "00002-b.png"])
        let picture = try ImageDecoder().decode(Array(try Data(contentsOf: URL(fileURLWithPath: work.file("explain/00001-a.png")))))
        XCTAssertEqual(picture.width, 2 * 224 + 3 * 16)
        // The left half is the input itself, enlarged: its top-left pixel is the input's (0, 0).
        let input = SyntheticData.images(count: 1).pixels
        XCTAssertEqual(picture.pixels[(16 * picture.width + 16) * picture.layout.channels], input[0])
    }

    /// PNGs written from t10k give exactly the probabilities the network computes from the IDX bytes.
    func testT10kCropsPassThroughExactly() throws {
        let test = try RealData.load(.test).subset(0..<50)
        let files = try (0..<50).map { i -> String in
            let path = work.file(String(format: "t10k-%02d.png", i))
            ImageFixtures.write(try ImageFixtures.png(test, i), to: path)
            return path
        }
        let result = try classify(["--format", "tsv"] + files)
        XCTAssertEqual(result.status, 0, result.stderr)
        let printed = result.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: "\t")[4...].joined(separator: " ") }

        let contents = try ModelFile.read(model)
        let logits = contents.network.logits(test, scale: 1.0 / 255, threads: 2)
        let calibration = contents.header.calibration ?? .uncalibrated
        let expected = calibration.assess(rows: logits, classes: 10).map {
            $0.probabilities.map { String(format: "%.6f", $0) }.joined(separator: " ")
        }
        XCTAssertEqual(printed, expected)
    }
}
