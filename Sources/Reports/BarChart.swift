/// Vertical bars with their values written on top: per-class figures.
public struct BarChart {
    public var title: String
    public var yLabel: String
    public var labels: [String]
    public var values: [Double]
    /// How each value is written above its bar.
    public var format: (Double) -> String
    /// A horizontal reference line (e.g. the overall accuracy) and its name.
    public var reference: (value: Double, name: String)?

    public init(title: String, yLabel: String, labels: [String], values: [Double], format: @escaping (Double) -> String,
                reference: (value: Double, name: String)? = nil) {
        self.title = title
        self.yLabel = yLabel
        self.labels = labels
        self.values = values
        self.format = format
        self.reference = reference
    }

    public var svg: String {
        let barWidth = 56.0, gap = 16.0
        let plot = (left: 70.0, top: 50.0, right: 70 + Double(labels.count) * (barWidth + gap) + gap, bottom: 330.0)
        var svg = SVGDocument(width: plot.right + (reference == nil ? 30 : 110), height: plot.bottom + 110)
        svg.text(title, x: (plot.left + plot.right) / 2, y: 26, size: 16, anchor: .middle, bold: true)
        let low = max(0, (values.min() ?? 0) - 0.1 * ((values.max() ?? 1) - (values.min() ?? 0)) - 1)
        let axis = Axis(covering: low, max(values.max() ?? 1, reference?.value ?? 0), tickCount: 5)
        for tick in axis.ticks {
            let y = axis.position(tick, from: plot.bottom, to: plot.top)
            svg.line(x1: plot.left, y1: y, x2: plot.right, y2: y, stroke: "#e3e3e3")
            svg.text(axis.label(tick), x: plot.left - 6, y: y + 4, size: 11, anchor: .end)
        }
        for (i, (label, value)) in zip(labels, values).enumerated() {
            let x = plot.left + gap + Double(i) * (barWidth + gap)
            let y = axis.position(value, from: plot.bottom, to: plot.top)
            svg.rect(x: x, y: y, width: barWidth, height: plot.bottom - y, fill: "#4c78a8", title: "\(label): \(format(value))")
            svg.text(format(value), x: x + barWidth / 2, y: y - 5, size: 11, anchor: .middle)
            svg.text(label, x: x + barWidth / 2 + 4, y: plot.bottom + 14, size: 12, anchor: .end, rotation: -40)
        }
        if let reference {
            let y = axis.position(reference.value, from: plot.bottom, to: plot.top)
            svg.line(x1: plot.left, y1: y, x2: plot.right, y2: y, stroke: "#d62728", width: 1.5, dashed: true)
            svg.text(reference.name, x: plot.right + 6, y: y + 4, size: 11, fill: "#d62728")
        }
        svg.line(x1: plot.left, y1: plot.bottom, x2: plot.right, y2: plot.bottom, stroke: "#444")
        svg.line(x1: plot.left, y1: plot.top, x2: plot.left, y2: plot.bottom, stroke: "#444")
        svg.text(yLabel, x: 20, y: (plot.top + plot.bottom) / 2, size: 12, anchor: .middle, rotation: -90)
        return svg.rendered
    }
}
