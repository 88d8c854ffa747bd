import CNN
import Classifier
import Datasets
import Foundation
import TestSupport
import XCTest

/// `cnnclassify evaluate --photos` on a small labelled tree made here from t10k crops, whose
/// answers `classify` gives independently: every figure is recounted from those answers.
final class EvaluatePhotosCLITests: XCTestCase {
    private var work: TemporaryDirectory!

    override func setUp() { work = TemporaryDirectory() }
    override func tearDown() { work = nil }
    private var model: String { (repositoryRoot as NSString).appendingPathComponent("Models/fashion.cnnw") }

    /// trouser/ (7 crops: 5 trousers, a coat and a bag), shoes/ (a sandal, a sneaker, an ankle boot,
    /// a bag and a file that is no image), hat/ (4 crops of any class), and a stray file at the top.
    private func makeTree() throws -> (root: String, files: [String: [String]]) {
        let test = try RealData.load(.test)
        func indices(of label: Int, _ count: Int) -> [Int] {
            Array((0..<test.count).filter { test.labels[$0] == UInt8(label) }.prefix(count))
        }
        let root = work.file("photos")
        let plan: [String: [Int]] = [
            "trouser": indices(of: 1, 5) + indices(of: 4, 1) + indices(of: 8, 1),
            "shoes": indices(of: 5, 1) + indices(of: 7, 1) + indices(of: 9, 1) + indices(of: 8, 1),
            "hat": [0, 1, 2, 3],
        ]
        var files: [String: [String]] = [:]
        for (folder, picks) in plan {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
            for (n, index) in picks.enumerated() {
                let path = "\(root)/\(folder)/\(n)-t10k-\(index).png"
                ImageFixtures.write(try ImageFixtures.png(test, index), to: path)
                files[folder, default: []].append(path)
            }
        }
        ImageFixtures.write(Array("not a photo".utf8), to: root + "/shoes/notes.txt")
        ImageFixtures.write(Array("stray".utf8), to: root + "/README")
        ImageFixtures.write(Array("folder\tclasses\ntrouser\tTrouser\nshoes\tSandal|Sneaker|Ankle boot\nhat\t-\n".utf8),
                            to: work.file("mapping.tsv"))
        return (root, files)
    }

    func testFiguresMatchTheAnswersOfClassify() throws {
        let (root, files) = try makeTree()
        var answers: [String: (label: String, flagged: Bool)] = [:]
        let classified = try CNNClassifyBinary.run(["--model", model, "--format", "tsv"] + files.values.flatMap { $0 })
        XCTAssertEqual(classified.status, 0, classified.stderr)
        for row in classified.stdout.split(separator: "\n").dropFirst() {
            let fields = row.split(separator: "\t").map(String.init)
            answers[fields[0]] = (fields[1], fields[3] == "true")
        }
        let shoes: Set = ["Sandal", "Sneaker", "Ankle boot"]
        let trouserRight = files["trouser"]!.filter { answers[$0]!.label == "Trouser" }.count
        let shoesRight = files["shoes"]!.filter { shoes.contains(answers[$0]!.label) }.count
        let hatFlagged = files["hat"]!.filter { answers[$0]!.flagged }.count
        let confidentlyWrong = files["trouser"]!.filter { answers[$0]!.label != "Trouser" && !answers[$0]!.flagged }.count
            + files["shoes"]!.filter { !shoes.contains(answers[$0]!.label) && !answers[$0]!.flagged }.count
            + files["hat"]!.filter { !answers[$0]!.flagged }.count
        XCTAssertGreaterThan(trouserRight, 0)
        XCTAssertLessThan(trouserRight, 7, "the coat and the bag are no trousers")

        let result = try CNNClassifyBinary.run(["evaluate", "--model", model, "--photos", root, "--mapping", work.file("mapping.tsv"),
                                                "--format", "json"])
        XCTAssertEqual(result.status, 1, "an unreadable photo makes the exit status 1")
        XCTAssertTrue(result.stderr.contains("cnnclassify: \(root)/shoes/notes.txt: not a PNG or JPEG image"), result.stderr)
        XCTAssertTrue(result.stderr.contains("cnnclassify: \(root)/README: not in a labelled folder"), result.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let figures = try XCTUnwrap(json["evaluation"] as? [String: Any])
        XCTAssertEqual(figures["photosWithClass"] as? Int, 11)
        XCTAssertEqual(figures["right"] as? Int, trouserRight + shoesRight)
        XCTAssertEqual(try XCTUnwrap(figures["accuracy"] as? Double), Double(trouserRight + shoesRight) / 11, accuracy: 1e-9)
        XCTAssertEqual(figures["answered"] as? Int, 15)
        XCTAssertEqual(figures["unreadable"] as? Int, 1)
        XCTAssertEqual(figures["confidentlyWrong"] as? Int, confidentlyWrong)
        XCTAssertEqual(figures["photosWithoutClass"] as? Int, 4)
        XCTAssertEqual(figures["flaggedWithoutClass"] as? Int, hatFlagged)
        let interval = try XCTUnwrap(figures["accuracyInterval"] as? [Double])
        for (got, expected) in zip(interval, ClassificationMetrics.wilsonInterval(successes: trouserRight + shoesRight, trials: 11)) {
            XCTAssertEqual(got, expected, accuracy: 1e-12)
        }
        let folders = try XCTUnwrap(figures["folders"] as? [[String: Any]])
        XCTAssertEqual(folders.map { $0["folder"] as? String }, ["hat", "shoes", "trouser"])
        XCTAssertEqual(folders[1]["expected"] as? [String], ["Sandal", "Sneaker", "Ankle boot"])
        XCTAssertEqual(folders[0]["expected"] as? [String], [])
        XCTAssertEqual(folders[1]["unreadable"] as? Int, 1)
        // Each folder's confusion row counts its answers.
        let names = FashionMNIST.classNames
        for (folder, figures) in zip(["hat", "shoes", "trouser"], folders) {
            let row = try XCTUnwrap(figures["answers"] as? [Int])
            XCTAssertEqual(row, names.map { name in files[folder]!.filter { answers[$0]!.label == name }.count }, folder)
        }

        let text = try CNNClassifyBinary.run(["evaluate", "--model", model, "--photos", root, "--mapping", work.file("mapping.tsv"),
                                              "--report", work.file("report")])
        XCTAssertTrue(text.stdout.contains("accuracy: \(String(format: "%.1f", 100 * Double(trouserRight + shoesRight) / 11))% (\(trouserRight + shoesRight)/11 photos with a Fashion-MNIST class)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("\nshoes         Sandal|Sneaker|Ankle boot"), text.stdout)
        for picture in ["mistakes.png", "answers.png"] {
            let sheet = try Data(contentsOf: URL(fileURLWithPath: work.file("report/" + picture)))
            XCTAssertEqual(Array(sheet.prefix(4)), [0x89, 0x50, 0x4E, 0x47], picture)
        }
    }

    func testFoldersNamedForClassesNeedNoMapping() throws {
        let (root, _) = try makeTree()
        let refused = try CNNClassifyBinary.run(["evaluate", "--model", model, "--photos", root])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("\(root)/hat: the folder's name is not a class name"), refused.stderr)
        try FileManager.default.removeItem(atPath: root + "/hat")
        try FileManager.default.moveItem(atPath: root + "/shoes", toPath: root + "/Ankle_Boot")
        let result = try CNNClassifyBinary.run(["evaluate", "--model", model, "--photos", root, "--format", "json"])
        XCTAssertEqual(result.status, 1, result.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let folders = try XCTUnwrap((json["evaluation"] as? [String: Any])?["folders"] as? [[String: Any]])
        XCTAssertEqual(folders.map { $0["expected"] as? [String] }, [["Ankle boot"], ["Trouser"]])
    }

    func testClassNamesAreMatchedLoosely() {
        let names = FashionMNIST.classNames
        XCTAssertEqual(PhotoMapping.label(named: "T-shirt/top", in: names), 0)
        XCTAssertEqual(PhotoMapping.label(named: "t-shirt", in: names), 0)
        XCTAssertEqual(PhotoMapping.label(named: "ankle_boot", in: names), 9)
        XCTAssertEqual(PhotoMapping.label(named: "Ankle boot", in: names), 9)
        XCTAssertNil(PhotoMapping.label(named: "boot", in: names))
        XCTAssertNil(PhotoMapping.label(named: "-", in: names))
    }

    func testMappingProblemsAreOneLineErrors() throws {
        let (root, _) = try makeTree()
        let mapping = work.file("bad.tsv")
        ImageFixtures.write(Array("folder\tclasses\ntrouser\tTrousers\n".utf8), to: mapping)
        let badClass = try CNNClassifyBinary.run(["evaluate", "--model", model, "--photos", root, "--mapping", mapping])
        XCTAssertEqual(badClass.status, 2)
        XCTAssertTrue(badClass.stderr.hasPrefix("cnnclassify: \(mapping): line 2: \"Trousers\" is not a class"), badClass.stderr)
        ImageFixtures.write(Array("folder\tclasses\ntrouser\tTrouser\n".utf8), to: mapping)
        let unmapped = try CNNClassifyBinary.run(["evaluate", "--model", model, "--photos", root, "--mapping", mapping])
        XCTAssertEqual(unmapped.status, 2)
        XCTAssertTrue(unmapped.stderr.contains("\(root)/hat: this folder is not in the mapping"), unmapped.stderr)
        let usage = try CNNClassifyBinary.run(["evaluate", "--model", model, "--mapping", mapping])
        XCTAssertEqual(usage.status, 2, "--mapping without --photos")
    }

    /// The two halves are fixed by the file name's FNV-1a hash, disjoint and together everything.
    func testTuneAndMeasureHalvesPartitionThePhotos() throws {
        let (root, _) = try makeTree()
        func answered(_ part: String) throws -> Int {
            let result = try CNNClassifyBinary.run(["evaluate", "--model", model, "--photos", root, "--mapping", work.file("mapping.tsv"),
                                                    "--part", part, "--format", "json"])
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let figures = try XCTUnwrap(json["evaluation"] as? [String: Any])
            return (figures["answered"] as! Int) + (figures["unreadable"] as! Int)
        }
        let tune = try answered("tune"), measure = try answered("measure")
        XCTAssertEqual(tune + measure, 16)
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (even), of "b" 0xaf63df4c8601f1a5 (odd).
        XCTAssertEqual(LabelledPhotos.Part.of(fileName: "a"), .tune)
        XCTAssertEqual(LabelledPhotos.Part.of(fileName: "b"), .measure)
        // …and of "c" 0xaf63de4c8601eff2: even, second bit set.
        XCTAssertEqual(LabelledPhotos.Part.quarter(fileName: "a"), .train)
        XCTAssertEqual(LabelledPhotos.Part.quarter(fileName: "c"), .validation)
        XCTAssertNil(LabelledPhotos.Part.quarter(fileName: "b"))
        XCTAssertEqual(try answered("train") + answered("validation"), tune)
        XCTAssertGreaterThan(tune, 0)
        XCTAssertGreaterThan(measure, 0)
    }
}
