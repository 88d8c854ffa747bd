import Foundation

/// The `$ cnnclassify …` examples of a Markdown page with the output the page shows for each, so
/// that a test can run them and compare: an example runs from its `$` line to the next one or the
/// end of its code block, trailing blank lines dropped; a line `...` stands for any lines.
public struct ReadmeExample: CustomStringConvertible {
    public var arguments: [String]
    public var output: [String]
    public var description: String { "$ cnnclassify " + arguments.joined(separator: " ") }

    /// Every example of the page at `path` (relative to the repository). Commands are split at
    /// spaces, so a quoted argument is refused rather than split wrongly.
    public static func all(in path: String) throws -> [ReadmeExample] {
        let text = try String(contentsOfFile: (repositoryRoot as NSString).appendingPathComponent(path), encoding: .utf8)
        var examples: [ReadmeExample] = [], current: ReadmeExample?, inBlock = false
        func finish() {
            guard var example = current else { return }
            while example.output.last?.isEmpty == true { example.output.removeLast() }
            examples.append(example)
            current = nil
        }
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("```") {
                if inBlock { finish() }
                inBlock.toggle()
            } else if inBlock && line.hasPrefix("$ ") {
                finish()
                guard line.hasPrefix("$ cnnclassify ") else { continue }
                precondition(!line.contains("\"") && !line.contains("'") && !line.contains(" #"),
                             "\(path): quoted arguments or a comment in \(line)")
                current = ReadmeExample(arguments: line.split(separator: " ").dropFirst(2).map(String.init), output: [])
            } else if inBlock {
                current?.output.append(line)
            }
        }
        return examples
    }

    /// Whether `printed` is what the page shows, `...` matching any run of lines.
    public func matches(_ printed: String) -> Bool {
        var lines = printed.components(separatedBy: "\n")
        while lines.last?.isEmpty == true { lines.removeLast() }
        func match(_ expected: ArraySlice<String>, _ actual: ArraySlice<String>) -> Bool {
            guard let first = expected.first else { return actual.isEmpty }
            if first == "..." {
                return actual.indices.contains { match(expected.dropFirst(), actual[$0...]) } || match(expected.dropFirst(), [])
            }
            return actual.first == first && match(expected.dropFirst(), actual.dropFirst())
        }
        return match(output[...], lines[...])
    }
}
