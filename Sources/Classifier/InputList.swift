import CNN
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
            if expandingDirectories, let info = status(of: operand), info.st_mode & S_IFMT == S_IFDIR {
                let found = files(under: operand, problem: problem)
                if found.isEmpty { problem(operand, "holds no PNG or JPEG file") }
                inputs += found.map(ClassifierInput.file)
            } else {
                inputs.append(.file(operand))
            }
        }
        return inputs
    }

    /// The image files below `directory` (or, with `imagesOnly` false, every file whose name does
    /// not start with a dot), recursively, sorted by path. Each directory is walked once, however
    /// many links lead to it, so a link back up the tree is no loop; what is neither a directory
    /// nor a regular file (a FIFO, a device) goes to `problem`, unread.
    static func files(under directory: String, imagesOnly: Bool = true, problem: (String, String) -> Void) -> [String] {
        var walked = Set<DirectoryIdentity>()
        var files: [String] = []
        walk(directory, imagesOnly: imagesOnly, walked: &walked, into: &files, problem: problem)
        return files
    }

    /// A directory as the file system knows it, whatever path reached it.
    private struct DirectoryIdentity: Hashable {
        var device: UInt64, inode: UInt64
        init(_ info: stat) { device = UInt64(info.st_dev); inode = UInt64(info.st_ino) }
    }

    private static func walk(_ directory: String, imagesOnly: Bool, walked: inout Set<DirectoryIdentity>, into files: inout [String],
                             problem: (String, String) -> Void) {
        guard let info = status(of: directory), walked.insert(DirectoryIdentity(info)).inserted else { return }
        guard let names = entries(of: directory, problem: problem) else { return }
        for name in names.sorted() {
            let path = (directory as NSString).appendingPathComponent(name)
            // A link that leads nowhere is no input.
            guard let info = status(of: path) else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                walk(path, imagesOnly: imagesOnly, walked: &walked, into: &files, problem: problem)
            } else if let kind = FileContents.nonRegularKind(info.st_mode) {
                if !name.hasPrefix(".") { problem(path, "is \(kind), not a regular file; skipped") }
            } else if imagesOnly ? startsLikeAnImage(path) : !name.hasPrefix(".") {
                files.append(path)
            }
        }
    }

    /// What `stat` says of `path` (following links), or nil if it cannot.
    private static func status(of path: String) -> stat? {
        var info = stat()
        return PathName.withCString(path) { stat($0, &info) } == 0 ? info : nil
    }

    /// The names in `directory`, those that are not UTF-8 carried byte for byte (`PathName`).
    private static func entries(of directory: String, problem: (String, String) -> Void) -> [String]? {
        guard let stream = PathName.withCString(directory, { opendir($0) }) else {
            problem(directory, "cannot list the directory (\(String(cString: strerror(errno)).lowercased()))")
            return nil
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            guard bytes != [UInt8(ascii: ".")] && bytes != [UInt8(ascii: "."), UInt8(ascii: ".")] else { continue }
            names.append(PathName.string(bytes))
        }
        return names
    }

    private static func startsLikeAnImage(_ path: String) -> Bool {
        let fd = PathName.withCString(path) { open($0, O_RDONLY | O_NONBLOCK) }
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 8)
        let count = head.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return count > 0 && ImageDecoder.format(of: Array(head[0..<count])) != nil
    }

    /// Paths listed one per line (or NUL-separated), skipping empty entries.
    public static func paths(fromList contents: Data, nulSeparated: Bool) -> [String] {
        let separator: UInt8 = nulSeparated ? 0 : UInt8(ascii: "\n")
        return contents.split(separator: separator, omittingEmptySubsequences: true).compactMap { line in
            var text = PathName.string(line)
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
