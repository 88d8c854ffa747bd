@testable import Classifier
import XCTest

/// Results read back from an output file a piece at a time, as `--resume` reads them: the same
/// paths and whole length however the file is cut into pieces, in every format, with names that
/// hold the characters each format must escape or quote.
final class WrittenResultsTests: XCTestCase {
    private let classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    private let names = ["a.png", "with, comma.png", "with \"quotes\".png", "line\nbreak.png", "tab\there: Bag 0.1000.png", "back\\slash.jpg"]

    private func output(_ formatter: PredictionFormatter) -> [UInt8] {
        var text = formatter.header.map { $0 + "\n" } ?? ""
        for (index, name) in names.enumerated() {
            var probabilities = [Float](repeating: 0.01, count: 10)
            probabilities[index] = 0.91
            text += formatter.line(Prediction(input: .file(name), probabilities: probabilities, uncertain: index == 2)) + "\n"
        }
        return Array(text.utf8)
    }

    private func read(_ bytes: [UInt8], _ formatter: PredictionFormatter, pieces: Int) -> (paths: [String], results: WrittenResults) {
        var results = WrittenResults(formatter: formatter), paths: [String] = []
        bytes.withUnsafeBytes { raw in
            var start = 0
            while start < raw.count {
                let end = min(start + pieces, raw.count)
                results.read(UnsafeRawBufferPointer(rebasing: raw[start..<end])) { paths.append($0) }
                start = end
            }
        }
        return (paths, results)
    }

    func testEveryFormatReadsBackTheSameInAnyPieces() {
        for format in PredictionFormatter.Format.allCases {
            let formatter = PredictionFormatter(format: format, classNames: classes)
            let bytes = output(formatter)
            for pieces in [1, 2, 7, 4096] {
                let (paths, results) = read(bytes, formatter, pieces: pieces)
                XCTAssertTrue(results.isResults, "\(format), pieces of \(pieces)")
                XCTAssertEqual(paths, names.map(formatter.writtenPath), "\(format), pieces of \(pieces)")
                XCTAssertEqual(results.wholeLength, bytes.count, "\(format), pieces of \(pieces)")
            }
            // A killed run's last line, cut anywhere, is not a result and is not counted.
            let cut = Array(bytes.dropLast(5))
            let (paths, results) = read(cut, formatter, pieces: 3)
            XCTAssertEqual(paths, Array(names.dropLast()).map(formatter.writtenPath), "\(format), cut")
            XCTAssertEqual(results.wholeLength, cut.lastIndex(of: UInt8(ascii: "\n"))! + 1, "\(format), cut")
        }
    }

    func testAHeaderCutShortIsAnEmptyFileAndAnotherFormatIsNotResults() {
        let tsv = PredictionFormatter(format: .tsv, classNames: classes)
        let header = Array((tsv.header! + "\n").utf8)
        let (paths, results) = read(Array(header.prefix(10)), tsv, pieces: 4)
        XCTAssertTrue(results.isResults)
        XCTAssertEqual(paths, [])
        XCTAssertEqual(results.wholeLength, 0)
        XCTAssertFalse(read(output(PredictionFormatter(format: .csv, classNames: classes)), tsv, pieces: 100).results.isResults)
        XCTAssertFalse(read(output(tsv), PredictionFormatter(format: .json, classNames: classes), pieces: 100).results.isResults)
        let otherClasses = PredictionFormatter(format: .tsv, classNames: classes.map { $0 + "s" })
        XCTAssertFalse(read(output(tsv), otherClasses, pieces: 100).results.isResults)
    }

    func testALineLongerThanAnyResultIsNotResultsAndIsNotHeld() {
        let text = PredictionFormatter(format: .text, classNames: classes)
        let (paths, results) = read([UInt8](repeating: UInt8(ascii: "x"), count: 200_000), text, pieces: 1000)
        XCTAssertFalse(results.isResults)
        XCTAssertEqual(paths, [])
    }
}
