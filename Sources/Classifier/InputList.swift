import Foundation
import Imaging

/// One thing to classify: a file, or the bytes on standard input.
public struct ClassifierInput: Sendable, Equatable {
    public enum Source: Sendable, Equatable { case file(String), standardInput }
    public var source: Source

    /// How results and errors name it: the path, or `-` for standard input.
    public var name: String {
        switch source {
        case .file(let path): path
        case .standardInput: "-"
        }
    }

    public static func file(_ path: String) -> ClassifierInput { ClassifierInput(source: .file(path)) }
}

/// Turns command-line operands into the ordered list of inputs.
public enum InputList {
    /// Each operand in order: `-` is standard input, a directory contributes the PNG and JPEG
    /// files below it (recognised by their first bytes, in sorted path order), anything else is a
    /// file — which may turn out to be missing or not an image, and is then reported as such.
    /// Problems with the directories themselves go to `problem` and the walk goes on. With
    /// `expandingDirectories` false (paths read from a list), a directory is just a bad input.
    public static func expand(_ operands: [String], expandingDirectories: Bool = true,
                              problem: (String, String) -> Void) -> [ClassifierInput] {
        var inputs: [ClassifierInput] = []
        for operand in operands {
            if operand == "-" && expandingDirectories {
                inputs.append(ClassifierInput(source: .standardInput))
                continue
            }
            var isDirectory: ObjCBool = false
            if expandingDirectories, FileManager.default.fileExists(atPath: operand, isDirectory: &isDirectory), isDirectory.boolValue {
                inputs += files(under: operand, problem: problem).map(ClassifierInput.file)
            } else {
                inputs.append(.file(operand))
            }
        }
        return inputs
    }

    /// The image files below `directory` (or, with `imagesOnly` false, every file whose name does
    /// not start with a dot), recursively, sorted by path.
    static func files(under directory: String, imagesOnly: Bool = true, problem: (String, String) -> Void) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            problem(directory, "cannot list the directory (\(String(cString: strerror(errno))))")
            return []
        }
        var files: [String] = []
        for name in names.sorted() {
            let path = (directory as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                files += self.files(under: path, imagesOnly: imagesOnly, problem: problem)
            } else if imagesOnly ? startsLikeAnImage(path) : !name.hasPrefix(".") {
                files.append(path)
            }
        }
        return files
    }

    private static func startsLikeAnImage(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 8)) ?? Data()
        return ImageDecoder.format(of: Array(head)) != nil
    }

    /// Paths listed one per line (or NUL-separated), skipping empty entries.
    public static func paths(fromList contents: Data, nulSeparated: Bool) -> [String] {
        let separator: UInt8 = nulSeparated ? 0 : UInt8(ascii: "\n")
        return contents.split(separator: separator, omittingEmptySubsequences: true).compactMap { line in
            var text = String(decoding: line, as: UTF8.self)
            if !nulSeparated && text.hasSuffix("\r") { text.removeLast() }
            return text.isEmpty ? nil : text
        }
    }

    /// The `part`-th (1-based) of `parts` shares of `inputs`: every input whose position modulo
    /// `parts` is `part − 1`, so shards are disjoint, cover everything and balance.
    public static func shard<T>(_ inputs: [T], part: Int, of parts: Int) -> [T] {
        inputs.enumerated().filter { $0.offset % parts == part - 1 }.map(\.element)
    }
}
