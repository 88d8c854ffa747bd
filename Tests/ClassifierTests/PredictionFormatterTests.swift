@testable import Classifier
import Foundation
import XCTest

/// Every format writes a hostile file name so that it cannot split or forge a line, and each
/// reads back as the name it was.
final class PredictionFormatterTests: XCTestCase {
    private let classes = ["T-shirt/top", "Trouser, long", "Say \"hi\""]
    private let hostileName = "dir/a\tb\nc\\d\re\u{1b}f,\"g\".png"

    private func prediction(unusual: Bool = false) -> Prediction {
        var prediction = Prediction(input: .file(hostileName), probabilities: [0.2, 0.7, 0.1])
        prediction.unusual = unusual
        return prediction
    }

    func testTextEscapesControlCharactersAndSaysWhyItDoubts() {
        let text = PredictionFormatter(format: .text, classNames: classes, top: 2)
        XCTAssertEqual(text.line(prediction()), #"dir/a\tb\nc\\d\re\x1bf,"g".png: Trouser, long 0.7000, T-shirt/top 0.2000"#)
        XCTAssertTrue(text.line(prediction(unusual: true)).hasSuffix("  [low confidence: unlike the training images]"))
        XCTAssertNil(text.header)
    }

    func testTSVHasOneRowOfFourteenColumnsWhateverTheName() {
        let tsv = PredictionFormatter(format: .tsv, classNames: classes)
        let row = tsv.line(prediction())
        XCTAssertFalse(row.contains("\n") || row.contains("\r"))
        let fields = row.components(separatedBy: "\t")
        XCTAssertEqual(fields.count, 4 + classes.count)
        XCTAssertEqual(fields[0], #"dir/a\tb\nc\\d\re\x1bf,"g".png"#)
        XCTAssertEqual(Array(fields[1...3]), ["Trouser, long", "0.700000", "false"])
        XCTAssertEqual(tsv.header?.components(separatedBy: "\t").count, 4 + classes.count)
    }

    func testCSVQuotesAsRFC4180AndJSONReadsBackToTheName() throws {
        let csv = PredictionFormatter(format: .csv, classNames: classes).line(prediction())
        XCTAssertTrue(csv.hasPrefix("\"dir/a\tb\nc\\d\re\u{1b}f,\"\"g\"\".png\",\"Trouser, long\",0.700000,false,"), csv)
        let json = PredictionFormatter(format: .json, classNames: classes).line(prediction(unusual: true))
        XCTAssertFalse(json.contains("\n"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(object["path"] as? String, hostileName)
        XCTAssertEqual(object["class"] as? String, "Trouser, long")
        XCTAssertEqual(object["unusual"] as? Bool, true)
        XCTAssertEqual((object["probabilities"] as? [String: Double])?["Say \"hi\""], 0.1)
    }

    /// The probabilities are written without printf, digit for digit as printf writes them:
    /// exact ties (1/128 is 7812.5 millionths), values that round up to the next whole, the
    /// neighbours of decimal halves, and numbers of every size between.
    func testDecimalsAreWhatPrintfWrites() {
        var values: [Float] = [0, 1, 0.5, 1.0 / 128, 3.0 / 128, 0.9999995, 0.99999994, 0.0000005, 0.00000049999997,
                               999_999.9, 999_999.94, 1_000_000, 1e7, -0.0, -0.25, .infinity, -.infinity, .nan,
                               .leastNonzeroMagnitude, .leastNormalMagnitude, 0.00005, 0.99995]
        for tie in stride(from: Float(0.0000005), to: 1, by: 0.0137) { values += [tie.nextDown, tie, tie.nextUp] }
        var generator = SystemRandomNumberGenerator()
        values += (0..<50_000).map { _ in Float.random(in: 0...1, using: &generator) }
        values += (0..<5_000).map { _ in Float(bitPattern: UInt32.random(in: 0..<0x4980_0000, using: &generator)) }
        for value in values {
            for digits in [4, 6] {
                XCTAssertEqual(FixedDecimal.string(value, digits: digits), String(format: "%.\(digits)f", value), "\(value.bitPattern)")
            }
        }
    }
}
