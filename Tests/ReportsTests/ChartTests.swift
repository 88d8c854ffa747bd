import CNN
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Imaging
import Reports
import XCTest

final class ChartTests: XCTestCase {
    func testAxisTicksAreRoundNumbers() {
        let axis = Axis(covering: 0.23, 0.91)
        XCTAssertEqual(axis.ticks.count, 5)
        for (tick, expected) in zip(axis.ticks, [0.2, 0.4, 0.6, 0.8, 1.0]) { XCTAssertEqual(tick, expected, accuracy: 1e-9) }
        XCTAssertEqual(axis.label(0.4), "0.4")
        XCTAssertEqual(axis.position(0.6, from: 100, to: 0), 50, accuracy: 1e-9)
        let epochs = Axis(covering: 1, 35, tickCount: 6)
        XCTAssertEqual(epochs.ticks.first, 0)
        XCTAssertEqual(epochs.ticks.last, 40)
        XCTAssertEqual(epochs.label(10), "10")
    }

    /// The curves are well-formed SVG with one line per series and every label a reader needs.
    func testTrainingCurvesAreReadableSVG() throws {
        let history = (1...5).map { (e: Int) -> TrainingCurves.Epoch in
            let x = Double(e)
            return TrainingCurves.Epoch(epoch: e, trainLoss: 1 / x, trainAccuracy: 0.8 + 0.02 * x, validationLoss: 1.1 / x,
                                        validationAccuracy: 0.79 + 0.02 * x)
        }
        let svg = TrainingCurves.svg(history, title: "Training <fashion> & co")
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse(), "well-formed XML")
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 4)
        for label in ["Loss (cross-entropy)", "Accuracy", "epoch", "accuracy (%)", "training", "validation", "&lt;fashion&gt; &amp; co"] {
            XCTAssertTrue(svg.contains(label), label)
        }
        // Accuracy in percent: ticks around 80–90.
        XCTAssertTrue(svg.contains(">90<"), svg)
    }
}

final class PictureTests: XCTestCase {
    /// "A" in the 5×7 font, drawn at scale 1 in black on white: row 0 is .###., row 3 #####.
    func testBitmapFontDrawsGlyphs() {
        var canvas = RGBCanvas(width: 6, height: 7)
        canvas.drawText("a", x: 0, y: 0)
        func row(_ y: Int) -> String { (0..<5).map { canvas.color(atX: $0, y: y).r == 0 ? "#" : "." }.joined() }
        XCTAssertEqual(row(0), ".###.")
        XCTAssertEqual(row(3), "#####")
        XCTAssertEqual(row(6), "#...#")
        XCTAssertEqual(BitmapFont.width(of: "AB", scale: 2), 22)
    }

    /// One cell per pair of classes, shaded by its share of the row, with the counts written in.
    func testConfusionMatrixHeatmap() {
        let svg = ConfusionMatrixChart.svg(confusion: [[8, 2], [0, 10]], classNames: ["Coat", "Shirt"], title: "t")
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse())
        XCTAssertTrue(svg.contains("<title>Coat → Shirt: 2 (20.0%)</title>"))
        XCTAssertTrue(svg.contains(">8</text>") && svg.contains(">10</text>"))
        XCTAssertFalse(svg.contains(">0</text>"), "empty cells stay blank")
        for words in ["predicted class", "true class", "blue: correct", "red: mistaken"] { XCTAssertTrue(svg.contains(words), words) }
    }

    /// The contact sheet is a PNG of the expected size with each image enlarged 4× where it belongs.
    func testContactSheetLaysOutTiles() throws {
        let white = [UInt8](repeating: 255, count: 784), black = [UInt8](repeating: 0, count: 784)
        let sheet = ContactSheet(title: "T", items: [.init(pixels: white, captions: ["TRUE COAT", "SAID SHIRT 99%"]),
                                                     .init(pixels: black, captions: ["X", "Y"])], columns: 2)
        let decoded = try ImageDecoder().decode(try sheet.png())
        let tileWidth = 112 + 16, tileHeight = 112 + 2 * 10 + 16
        XCTAssertEqual(decoded.width, 2 * tileWidth + 16)
        XCTAssertEqual(decoded.height, 40 + tileHeight + 8)
        func gray(_ x: Int, _ y: Int) -> UInt8 { decoded.pixels[(y * decoded.width + x) * decoded.layout.channels] }
        XCTAssertEqual(gray(8 + 8 + 56, 40 + 56), 255, "the white image")
        XCTAssertEqual(gray(8 + tileWidth + 8 + 56, 40 + 56), 0, "the black image")
    }
}
