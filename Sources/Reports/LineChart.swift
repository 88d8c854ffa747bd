/// Lines over a numeric x axis, with axes, grid, title and legend: training curves per epoch.
public struct LineChart {
    public struct Series {
        public var name: String
        public var color: String
        public var dashed: Bool
        public var points: [(x: Double, y: Double)]

        public init(name: String, color: String, dashed: Bool = false, points: [(x: Double, y: Double)]) {
            self.name = name
            self.color = color
            self.dashed = dashed
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// Draws the chart into the rectangle at (`left`, `top`) of the given size.
    public func draw(into svg: inout SVGDocument, left: Double, top: Double, width: Double, height: Double) {
        let all = series.flatMap(\.points)
        guard !all.isEmpty else { return }
        let xs = Axis(covering: all.map(\.x).min()!, all.map(\.x).max()!, tickCount: 6)
        let ys = Axis(covering: all.map(\.y).min()!, all.map(\.y).max()!, tickCount: 5)
        let plot = (left: left + 60, top: top + 48, right: left + width - 10, bottom: top + height - 45)
        svg.text(title, x: (plot.left + plot.right) / 2, y: top + 16, size: 15, anchor: .middle, bold: true)
        for tick in ys.ticks {
            let y = ys.position(tick, from: plot.bottom, to: plot.top)
            svg.line(x1: plot.left, y1: y, x2: plot.right, y2: y, stroke: "#e3e3e3")
            svg.text(ys.label(tick), x: plot.left - 6, y: y + 4, size: 11, anchor: .end)
        }
        for tick in xs.ticks {
            let x = xs.position(tick, from: plot.left, to: plot.right)
            svg.line(x1: x, y1: plot.bottom, x2: x, y2: plot.bottom + 4, stroke: "#444")
            svg.text(xs.label(tick), x: x, y: plot.bottom + 17, size: 11, anchor: .middle)
        }
        svg.line(x1: plot.left, y1: plot.bottom, x2: plot.right, y2: plot.bottom, stroke: "#444")
        svg.line(x1: plot.left, y1: plot.top, x2: plot.left, y2: plot.bottom, stroke: "#444")
        svg.text(xLabel, x: (plot.left + plot.right) / 2, y: plot.bottom + 36, size: 12, anchor: .middle)
        svg.text(yLabel, x: left + 14, y: (plot.top + plot.bottom) / 2, size: 12, anchor: .middle, rotation: -90)
        for s in series {
            let points = s.points.map { (x: xs.position($0.x, from: plot.left, to: plot.right), y: ys.position($0.y, from: plot.bottom, to: plot.top)) }
            svg.polyline(points, stroke: s.color, dashed: s.dashed)
            if points.count == 1 { svg.circle(x: points[0].x, y: points[0].y, radius: 3, fill: s.color) }
        }
        // The legend in a row between the title and the plot, where no line can hide it.
        var x = plot.left
        for s in series {
            svg.line(x1: x, y1: top + 32, x2: x + 24, y2: top + 32, stroke: s.color, width: 2.5, dashed: s.dashed)
            svg.text(s.name, x: x + 30, y: top + 36, size: 11)
            x += 42 + Double(s.name.count) * 6.5
        }
    }
}
