import CNN
import Foundation

// What `evaluate`, `calibrate` and `info` print of a model's figures and rules.

extension ClassificationMetrics {
    /// Accuracy with its interval, per-class precision, recall and F1, and the confusion matrix.
    var text: String {
        let m = self
        var lines = [
            "accuracy: \(percent(m.accuracy)) (\(grouped(m.correct))/\(grouped(m.total))), 95% interval \(percent(m.accuracyInterval[0]))–\(percent(m.accuracyInterval[1]))",
            "",
            "class          precision  recall      F1  support",
        ]
        for c in m.classes {
            lines.append(c.name.padding(toLength: 13, withPad: " ", startingAt: 0)
                + String(format: "  %9.4f %7.4f %7.4f %8d", c.precision, c.recall, c.f1, c.support))
        }
        lines += ["", "confusion matrix (rows: true class, columns: predicted class by label)"]
        lines.append(String(repeating: " ", count: 15) + (0..<m.classes.count).map { String($0).leftPadded(6) }.joined())
        for (label, (name, row)) in zip(m.classes.map(\.name), m.confusion).enumerated() {
            lines.append("\(label) " + name.padding(toLength: 13, withPad: " ", startingAt: 0) + row.map { String($0).leftPadded(6) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? " " + self : String(repeating: " ", count: width - count) + self }
}

extension CalibrationReport {
    /// The two lines `evaluate` prints under the metrics.
    var text: String {
        let share = flagged == 0 ? "" : " (\(percent(Double(flagged) / Double(images))))"
        var lines = ["calibration: temperature \(fixed(Double(temperature), 3)); expected calibration error \(percent(errorBefore)) with plain softmax, \(percent(errorAfter)) calibrated"]
        lines.append("low confidence: \(grouped(flagged)) images flagged\(share)"
            + (flaggedAccuracy.map { ", \(percent($0)) of them right" } ?? "")
            + (unflaggedAccuracy.map { "; \(percent($0)) right among the others" } ?? ""))
        return lines.joined(separator: "\n")
    }
}

/// Flagging rules in words: "top probability < 0.50 or energy > -5.800".
extension Calibration.FlagRules {
    var text: String {
        "top probability < \(fixed(Double(minimumConfidence), 2))"
            + (maximumEnergy.map { " or energy > \(fixed(Double($0), 3))" } ?? "")
            + (maximumDistance.map { " or feature distance > \(fixed(Double($0), 1))" } ?? "")
    }
}
