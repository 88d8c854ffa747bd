import Foundation

/// Writes predictions as text for people or as TSV, CSV or JSON lines for programs.
public struct PredictionFormatter: Sendable {
    public enum Format: String, Sendable, CaseIterable { case text, tsv, csv, json }

    public var format: Format
    public var classNames: [String]
    /// For text: how many classes to list per input (1 by default, all 10 with --all).
    public var top: Int

    public init(format: Format, classNames: [String], top: Int = 1) {
        self.format = format
        self.classNames = classNames
        self.top = top
    }

    /// The header row, for the formats that have one.
    public var header: String? {
        switch format {
        case .tsv: (Self.leadingColumns + classNames).map(tsvField).joined(separator: "\t")
        case .csv: (Self.leadingColumns + classNames).map(csvField).joined(separator: ",")
        case .text, .json: nil
        }
    }

    public func line(_ p: Prediction) -> String {
        let name = p.input.name, predicted = classNames[p.label]
        let probabilities = p.probabilities.map(Self.decimal)
        let leading = [name, predicted, Self.decimal(p.probability), String(p.lowConfidence)]
        switch format {
        case .text:
            let ranked = p.ranking.prefix(top).map { "\(classNames[$0]) \(String(format: "%.4f", p.probabilities[$0]))" }
            return "\(name): " + ranked.joined(separator: ", ") + Self.doubt(p)
        case .tsv:
            return (leading.map(tsvField) + probabilities).joined(separator: "\t")
        case .csv:
            return (leading.map(csvField) + probabilities).joined(separator: ",")
        case .json:
            let byClass = zip(classNames, probabilities).map { "\(jsonString($0)):\($1)" }.joined(separator: ",")
            return "{\"path\":\(jsonString(name)),\"label\":\(p.label),\"class\":\(jsonString(predicted)),"
                + "\"probability\":\(Self.decimal(p.probability)),\"low_confidence\":\(p.lowConfidence),"
                + "\"unusual\":\(p.unusual),\"probabilities\":{\(byClass)}}"
        }
    }

    static let leadingColumns = ["path", "class", "probability", "low_confidence"]

    /// Why the text format doubts an answer, if it does.
    private static func doubt(_ p: Prediction) -> String {
        switch (p.uncertain, p.unusual) {
        case (_, true): "  [low confidence: unlike the training images]"
        case (true, false): "  [low confidence]"
        case (false, false): ""
        }
    }

    /// Probabilities to six decimals: enough to tell apart what four would round together.
    static func decimal(_ value: Float) -> String { String(format: "%.6f", value) }

    private func tsvField(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\n", with: "\\n")
    }

    private func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
