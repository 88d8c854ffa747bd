import CNN
import Foundation
import Reports

extension Evaluate {
    /// `--report DIR` on IDX data: the confusion matrix, accuracy per class and the most
    /// confidently wrong images.
    func writePictures(to directory: String, metrics: ClassificationMetrics, images: LabeledImages, firstIndex: Int,
                               answers: [Calibration.Assessment], modelName: String) throws {
        let names = metrics.classes.map(\.name)
        let title = "\(modelName) on \(grouped(metrics.total)) images: \(percent(metrics.accuracy)) accuracy"
        try writeReport(Array(ConfusionMatrixChart.svg(confusion: metrics.confusion, classNames: names, title: title).utf8),
                        named: "confusion-matrix.svg", in: directory)
        let bars = BarChart(title: "Accuracy per class (recall): \(modelName)", yLabel: "images of the class classified right (%)",
                            labels: names, values: metrics.classes.map { 100 * $0.recall }, format: { String(format: "%.1f", $0) },
                            reference: (100 * metrics.accuracy, "overall \(percent(metrics.accuracy))"))
        try writeReport(Array(bars.svg.utf8), named: "per-class-accuracy.svg", in: directory)

        let side = images.height * images.width
        let (worst, mistakes) = RankedMistake.mostConfident(answers, labels: images.labels.map(Int.init), limit: 32)
        let sheet = ContactSheet(
            title: "MOST CONFIDENTLY WRONG: \(worst.count) OF \(mistakes) MISTAKES",
            items: worst.map { m in
                ContactSheet.Item(pixels: Array(images.pixels[m.index * side ..< (m.index + 1) * side]),
                                  captions: ["#\(firstIndex + m.index) TRUE \(names[Int(images.labels[m.index])])",
                                             "SAID \(names[m.predicted]) \(Int((100 * m.probability).rounded()))%"])
            }, side: images.height)
        try writeReport(try sheet.png(), named: "mistakes.png", in: directory)
    }
}
