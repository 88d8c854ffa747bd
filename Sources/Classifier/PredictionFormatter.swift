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
            let ranked = p.ranking.prefix(top).map { "\(classNames[$0]) \(FixedDecimal.string(p.probabilities[$0], digits: 4))" }
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

    private static let uncertainNote = "  [low confidence]", unusualNote = "  [low confidence: unlike the training images]"

    /// Why the text format doubts an answer, if it does.
    private static func doubt(_ p: Prediction) -> String {
        switch (p.uncertain, p.unusual) {
        case (_, true): unusualNote
        case (true, false): uncertainNote
        case (false, false): ""
        }
    }

    /// Probabilities to six decimals: enough to tell apart what four would round together.
    static func decimal(_ value: Float) -> String { FixedDecimal.string(value, digits: 6) }

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
            // Printable ASCII, the most of every name, without asking for its category.
            case " "..."~" where scalar != "\\" && scalar != "\"": out.unicodeScalars.append(scalar)
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

    /// A name exactly as this format writes it in a result (escaped, quoted), to match results read back.
    public func writtenPath(_ name: String) -> String {
        switch format {
        case .text: Self.escaped(name)
        case .tsv: tsvField(name)
        case .csv: csvField(name)
        case .json: jsonString(name)
        }
    }

    /// Whether `text` is what the text format writes after a name: classes with four-decimal
    /// probabilities, comma-separated, then the doubt, if any.
    private func isRanking(_ text: Substring) -> Bool {
        var rest = text
        while true {
            guard let name = classNames.first(where: { rest.hasPrefix($0 + " ") }) else { return false }
            rest = rest.dropFirst(name.count + 1)
            let number = rest.prefix(6)
            guard number.count == 6, number.enumerated().allSatisfy({ $0.offset == 1 ? $0.element == "." : $0.element.isASCII && $0.element.isNumber })
            else { return false }
            rest = rest.dropFirst(6)
            if rest.hasPrefix(", ") { rest = rest.dropFirst(2); continue }
            return rest.isEmpty || rest == Self.uncertainNote || rest == Self.unusualNote
        }
    }

    /// The path of one result as written, or nil if the record is not a result of this format.
    /// Read from the bytes: every separator the formats use is ASCII, and resuming a run of
    /// millions reads as many records.
    func writtenPath(ofRecord record: [UInt8]) -> String? {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), tab = UInt8(ascii: "\t")
        func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        switch format {
        case .text:
            // "PATH: Class 0.1234, Class 0.0123  [low confidence]": the first ": " after which
            // the rest is exactly such a ranking (a name may hold ": " too).
            let line = text(record[...])
            var search = line.startIndex
            while let colon = line.range(of: ": ", range: search..<line.endIndex) {
                if isRanking(line[colon.upperBound...]) { return String(line[..<colon.lowerBound]) }
                search = colon.upperBound
            }
            return nil
        case .tsv:
            guard record.count(where: { $0 == tab }) == Self.leadingColumns.count + classNames.count - 1 else { return nil }
            return text(record[..<record.firstIndex(of: tab)!])
        case .csv:
            // The first field: quoted (quotes doubled inside) or up to the first comma.
            guard record.first == quote else { return record.firstIndex(of: comma).map { text(record[..<$0]) } }
            var index = 1
            while let end = record[index...].firstIndex(of: quote) {
                let next = end + 1
                if next < record.count && record[next] == quote { index = next + 1; continue }
                return next < record.count && record[next] == comma ? text(record[..<next]) : nil
            }
            return nil
        case .json:
            // {"path":"…", — the string ends at the first quote not escaped by a backslash.
            let prefix = Array("{\"path\":\"".utf8)
            guard record.starts(with: prefix), record.last == UInt8(ascii: "}") else { return nil }
            var escaped = false
            for index in prefix.count..<record.count {
                if escaped { escaped = false; continue }
                if record[index] == UInt8(ascii: "\\") { escaped = true; continue }
                if record[index] == quote { return text(record[(prefix.count - 1)...index]) }
            }
            return nil
        }
    }
}
