import Foundation

/// The confusion matrix as a heatmap: rows are true classes, columns predicted ones, each cell
/// shaded by the share of its row and labelled with its count.
public enum ConfusionMatrixChart {
    public static func svg(confusion: [[Int]], classNames: [String], title: String) -> String {
        let k = classNames.count, cell = 52.0
        let left = 130.0, top = 70.0
        var svg = SVGDocument(width: left + cell * Double(k) + 150, height: top + cell * Double(k) + 120)
        svg.text(title, x: left + cell * Double(k) / 2, y: 26, size: 16, anchor: .middle, bold: true)
        svg.text("predicted class", x: left + cell * Double(k) / 2, y: top + cell * Double(k) + 100, size: 13, anchor: .middle)
        svg.text("true class", x: 18, y: top + cell * Double(k) / 2, size: 13, anchor: .middle, rotation: -90)
        for (row, counts) in confusion.enumerated() {
            let total = max(counts.reduce(0, +), 1)
            for (column, count) in counts.enumerated() {
                let share = Double(count) / Double(total)
                let x = left + Double(column) * cell, y = top + Double(row) * cell
                svg.rect(x: x, y: y, width: cell, height: cell, fill: row == column ? blue(share) : red(share), stroke: "white",
                         title: "\(classNames[row]) → \(classNames[column]): \(count) (\(String(format: "%.1f", 100 * share))%)")
                if count > 0 {
                    svg.text("\(count)", x: x + cell / 2, y: y + cell / 2 + 4, size: 12, anchor: .middle,
                             fill: share > 0.5 ? "white" : "#222")
                }
            }
            svg.text(classNames[row], x: left - 8, y: top + Double(row) * cell + cell / 2 + 4, size: 12, anchor: .end)
        }
        for (column, name) in classNames.enumerated() {
            let x = left + Double(column) * cell + cell / 2 + 4, y = top + cell * Double(k) + 8
            svg.text(name, x: x, y: y, size: 12, anchor: .end, rotation: -45)
        }
        // Legend: what the two colour scales mean.
        let legendX = left + cell * Double(k) + 24
        for (i, share) in [1.0, 0.75, 0.5, 0.25, 0.05].enumerated() {
            let y = top + 20 + Double(i) * 22
            svg.rect(x: legendX, y: y, width: 16, height: 16, fill: blue(share))
            svg.rect(x: legendX + 18, y: y, width: 16, height: 16, fill: red(share * 0.2))
            svg.text(String(format: "%.0f%% / %.0f%%", 100 * share, 20 * share), x: legendX + 40, y: y + 12, size: 11)
        }
        svg.text("share of the row:", x: legendX, y: top + 8, size: 11, bold: true)
        svg.text("blue: correct", x: legendX, y: top + 148, size: 11)
        svg.text("red: mistaken", x: legendX, y: top + 164, size: 11)
        return svg.rendered
    }

    /// White to dark blue as the share of correct answers grows.
    static func blue(_ share: Double) -> String { mix(share, toward: (8, 69, 148)) }

    /// White to red; mistakes are rarer, so the scale saturates at 20% of the row.
    static func red(_ share: Double) -> String { mix(min(1, share * 5), toward: (203, 24, 29)) }

    private static func mix(_ t: Double, toward color: (Double, Double, Double)) -> String {
        let t = max(0, min(1, t))
        let r = 255 + (color.0 - 255) * t, g = 255 + (color.1 - 255) * t, b = 255 + (color.2 - 255) * t
        return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }
}
