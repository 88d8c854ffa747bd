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
}
