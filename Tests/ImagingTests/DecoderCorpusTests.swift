import Foundation
import Imaging
import TestSupport
import XCTest

/// Every file of the public decoder corpora in `../shared/corpora` (next to the repository)
/// through the decoder and preprocessing, as `classify` runs them: PngSuite's valid files decode
/// and its `x*` files are refused; libpng's crashers and libjpeg-turbo's bug files end as
/// `corpus-outcomes.tsv` says, each well within a second.
final class DecoderCorpusTests: XCTestCase {
    private var corpora: String {
        ((repositoryRoot as NSString).deletingLastPathComponent as NSString).appendingPathComponent("shared/corpora")
    }

    private func expectedOutcomes() throws -> [String: Bool] {
        let table = try String(contentsOfFile: (repositoryRoot as NSString).appendingPathComponent("Tests/ImagingTests/corpus-outcomes.tsv"),
                               encoding: .utf8)
        var outcomes: [String: Bool] = [:]
        for row in table.split(separator: "\n").dropFirst() {
            let fields = row.split(separator: "\t").map(String.init)
            outcomes[fields[0]] = fields[1] == "decoded"
        }
        return outcomes
    }

    func testEveryCorpusFileEndsCleanlyAndQuickly() throws {
        guard FileManager.default.fileExists(atPath: corpora + "/README.md") else {
            let message = "the decoder corpora are not in \(corpora)"
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message + " (CI is set, so this test must run)") }
            throw XCTSkip(message)
        }
        let outcomes = try expectedOutcomes()
        let files = try XCTUnwrap(FileManager.default.subpathsOfDirectory(atPath: corpora)).sorted().filter { path in
            let name = (path as NSString).lastPathComponent
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: corpora + "/" + path, isDirectory: &isDirectory) else { return false }
            return !isDirectory.boolValue && !name.hasSuffix(".md") && !name.hasPrefix("LICENSE") && !name.hasSuffix(".txt")
        }
        XCTAssertEqual(files.count, 264, "the corpora as README.md lists them")
        var decoder = ImageDecoder()
        decoder.minimumLongSide = Preprocessor().sufficientLongSide
        var pngSuite = 0
        for file in files {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: corpora + "/" + file)))
            let started = Date()
            let decoded: Bool
            do {
                _ = Preprocessor().process(try decoder.decode(bytes))
                decoded = true
            } catch {
                decoded = false
                XCTAssertFalse("\(error)".contains("\n"), "\(file): \(error)")
            }
            // Not a speed measurement: a time bomb takes seconds, a clean outcome milliseconds.
            XCTAssertLessThan(Date().timeIntervalSince(started), 1, file)
            if file.hasPrefix("pngsuite/") {
                pngSuite += 1
                XCTAssertEqual(decoded, !(file as NSString).lastPathComponent.hasPrefix("x"), file)
            } else {
                XCTAssertEqual(decoded, try XCTUnwrap(outcomes[file], "\(file) is not in corpus-outcomes.tsv"), file)
            }
        }
        XCTAssertEqual(pngSuite, 175)
    }
}
