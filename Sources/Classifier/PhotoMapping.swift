import CNN
import Foundation

/// What the right answer is for the photos of one labelled folder.
public enum PhotoExpectation: Sendable, Equatable, Codable {
    /// Any of these classes (label indices) is right.
    case anyOf([Int])
    /// Fashion-MNIST has no such garment: the right answer is the low-confidence flag.
    case noClass

    public func accepts(_ label: Int) -> Bool {
        if case .anyOf(let labels) = self { labels.contains(label) } else { false }
    }
}

/// Folder name → expectation, from a TSV file with a header line and rows `folder<TAB>classes`,
/// where classes is one class name, several separated by `|`, or `-`.
public struct PhotoMapping: Sendable {
    public var expectations: [String: PhotoExpectation]

    public init(expectations: [String: PhotoExpectation]) {
        self.expectations = expectations
    }

    /// Parses the TSV text; `source` names it in errors.
    public init(tsv: String, source: String, classNames: [String]) throws(FileProblem) {
        expectations = [:]
        let lines = tsv.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        for (number, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw FileProblem(path: source, reason: "line \(number + 1): expected folder<TAB>classes")
            }
            guard expectations[fields[0]] == nil else {
                throw FileProblem(path: source, reason: "line \(number + 1): folder \(fields[0]) is mapped twice")
            }
            if fields[1] == "-" {
                expectations[fields[0]] = .noClass
                continue
            }
            var labels: [Int] = []
            for name in fields[1].split(separator: "|").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let label = Self.label(named: name, in: classNames) else {
                    throw FileProblem(path: source, reason: "line \(number + 1): \"\(name)\" is not a class (\(classNames.joined(separator: ", ")))")
                }
                if !labels.contains(label) { labels.append(label) }
            }
            expectations[fields[0]] = .anyOf(labels)
        }
        if expectations.isEmpty { throw FileProblem(path: source, reason: "maps no folder") }
    }

    /// Reads and parses a mapping file.
    public static func read(_ path: String, classNames: [String]) throws(FileProblem) -> PhotoMapping {
        let bytes = try FileContents.read(path)
        return try PhotoMapping(tsv: String(decoding: bytes, as: UTF8.self), source: path, classNames: classNames)
    }

    /// The class a name means: compared without case, spaces or punctuation, so that `t-shirt`,
    /// `T-shirt/top` and `ankle_boot` all name theirs; the part before a `/` is enough.
    public static func label(named name: String, in classNames: [String]) -> Int? {
        func key(_ text: Substring) -> String { String(text.lowercased().filter { $0.isLetter || $0.isNumber }) }
        let wanted = key(Substring(name))
        guard !wanted.isEmpty else { return nil }
        return classNames.firstIndex { key(Substring($0)) == wanted || key($0.split(separator: "/").first ?? "") == wanted }
    }
}

