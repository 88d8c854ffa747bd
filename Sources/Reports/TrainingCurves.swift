/// Loss and accuracy per epoch, training and validation, side by side.
public enum TrainingCurves {
    static let trainingColor = "#1f77b4", validationColor = "#d62728"

    /// One epoch's figures (accuracies in 0…1); validation's are missing when nothing was held out.
    public struct Epoch: Sendable {
        public var epoch: Int
        public var trainLoss: Double
        public var trainAccuracy: Double
        public var validationLoss: Double?
        public var validationAccuracy: Double?

        public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, validationLoss: Double?, validationAccuracy: Double?) {
            self.epoch = epoch
            self.trainLoss = trainLoss
            self.trainAccuracy = trainAccuracy
            self.validationLoss = validationLoss
            self.validationAccuracy = validationAccuracy
        }
    }

    public static func svg(_ history: [Epoch], title: String) -> String {
        var svg = SVGDocument(width: 960, height: 400)
        svg.text(title, x: 480, y: 22, size: 16, anchor: .middle, bold: true)
        let epochs = history.map { Double($0.epoch) }
        func series(_ name: String, _ color: String, dashed: Bool, _ values: [Double?]) -> LineChart.Series? {
            let points = zip(epochs, values).compactMap { x, y in y.map { (x: x, y: $0) } }
            return points.isEmpty ? nil : LineChart.Series(name: name, color: color, dashed: dashed, points: points)
        }
        let loss = LineChart(title: "Loss (cross-entropy)", xLabel: "epoch", yLabel: "mean loss per image", series: [
            series("training", trainingColor, dashed: false, history.map(\.trainLoss)),
            series("validation", validationColor, dashed: true, history.map(\.validationLoss)),
        ].compactMap { $0 })
        let accuracy = LineChart(title: "Accuracy", xLabel: "epoch", yLabel: "accuracy (%)", series: [
            series("training", trainingColor, dashed: false, history.map { 100 * $0.trainAccuracy }),
            series("validation", validationColor, dashed: true, history.map { $0.validationAccuracy.map { 100 * $0 } }),
        ].compactMap { $0 })
        loss.draw(into: &svg, left: 10, top: 36, width: 460, height: 356)
        accuracy.draw(into: &svg, left: 490, top: 36, width: 460, height: 356)
        return svg.rendered
    }
}
