import CNN
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
            return "\(Self.escaped(name)): " + ranked.joined(separator: ", ") + Self.doubt(p)
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

    /// `text` with backslash and every control character written as an escape (`\\`, `\t`,
    /// `\n`, `\r`, `\x1b`, …), so that a file name can neither split a line nor forge one.
    public static func escaped(_ text: String) -> String { escape(text, json: false) }

    /// JSON's escapes are the same but for the quote, and `\u00XX` for the other control characters.
    private static func escape(_ text: String, json: Bool) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            // A byte of a name that is not UTF-8 is shown as what it is.
            if !json, let byte = PathName.byte(carriedBy: scalar) {
                out += String(format: "\\x%02x", byte)
                continue
            }
            switch scalar {
            case "\\": out += "\\\\"
            case "\"" where json: out += "\\\""
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case _ where scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}":
                out += !json && scalar.value <= 0xFF ? String(format: "\\x%02x", scalar.value) : String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private func tsvField(_ text: String) -> String { Self.escaped(text) }

    private func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" }) || text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private func jsonString(_ text: String) -> String { "\"" + Self.escape(text, json: true) + "\"" }
}
