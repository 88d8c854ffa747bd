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

/// The inputs command-line operands stand for, found one at a time as they are asked for, so
/// that a tree of a million files is classified while it is walked, never listed whole: memory
/// holds the sorted names of the directories on the current path (and the identities of those
/// walked), not the files found. Each operand in order: `-` is standard input, a directory
/// contributes the PNG and JPEG files below it (recognised by their first bytes; each directory's
/// entries in sorted order, depth first, so the order is the same on every run), anything else is
/// a file — which may turn out to be missing or not an image, and is then reported as such.
/// Problems with the directories themselves go to `problem` and the walk goes on. Operands from
/// `listed` (paths read from a list, after `operands`) are files, as with `tar -T`: a directory
/// there is a bad input, not walked.
public struct InputWalk: Sequence, IteratorProtocol {
    private var operands: IndexingIterator<[String]>
    private var listed: AnyIterator<String>?
    private let imagesOnly: Bool
    private let reportsEmptyOperands: Bool
    private let problem: (String, String) -> Void
    /// The directories being walked, outermost first, each with the names still to visit.
    private var frames: [(directory: String, names: [String], next: Int)] = []
    private var walked = Set<DirectoryIdentity>()
    private var operand: String?
    private var foundBelowOperand = 0

    public init(_ operands: [String], listed: AnyIterator<String>? = nil, problem: @escaping (String, String) -> Void) {
        self.init(operands, listed: listed, imagesOnly: true, reportsEmptyOperands: true, problem: problem)
    }

    init(_ operands: [String], listed: AnyIterator<String>?, imagesOnly: Bool, reportsEmptyOperands: Bool,
         problem: @escaping (String, String) -> Void) {
        self.operands = operands.makeIterator()
        self.listed = listed
        self.imagesOnly = imagesOnly
        self.reportsEmptyOperands = reportsEmptyOperands
        self.problem = problem
    }

    public mutating func next() -> ClassifierInput? {
        while true {
            if let found = nextBelowOperand() { return found }
            if let operand, foundBelowOperand == 0, reportsEmptyOperands { problem(operand, "holds no PNG or JPEG file") }
            operand = nil
            if let next = operands.next() {
                if next == "-" { return ClassifierInput(source: .standardInput) }
                guard let info = InputList.status(of: next), info.st_mode & S_IFMT == S_IFDIR else { return .file(next) }
                operand = next
                foundBelowOperand = 0
                enter(next, info)
            } else if let next = listed?.next() {
                return .file(next)
            } else {
                return nil
            }
        }
    }

    /// The next file below the directory operand being walked, or nil when it is done.
    private mutating func nextBelowOperand() -> ClassifierInput? {
        while let top = frames.indices.last {
            let (directory, names, next) = frames[top]
            guard next < names.count else {
                frames.removeLast()
                continue
            }
            frames[top].next += 1
            let name = names[next]
            let path = (directory as NSString).appendingPathComponent(name)
            // A link that leads nowhere is no input.
            guard let info = InputList.status(of: path) else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                enter(path, info)
            } else if let kind = FileContents.nonRegularKind(info.st_mode) {
                if !name.hasPrefix(".") { problem(path, "is \(kind), not a regular file; skipped") }
            } else if imagesOnly ? InputList.startsLikeAnImage(path) : !name.hasPrefix(".") {
                foundBelowOperand += 1
                return .file(path)
            }
        }
        return nil
    }

    /// Starts walking `directory`, unless it was walked already: however many links lead to a
    /// directory, it is walked once, so a link back up the tree is no loop.
    private mutating func enter(_ directory: String, _ info: stat) {
        guard walked.insert(DirectoryIdentity(info)).inserted,
              let names = InputList.entries(of: directory, problem: problem) else { return }
        frames.append((directory, names.sorted(), 0))
    }

    /// A directory as the file system knows it, whatever path reached it.
    private struct DirectoryIdentity: Hashable {
        var device: UInt64, inode: UInt64
        init(_ info: stat) { device = UInt64(info.st_dev); inode = UInt64(info.st_ino) }
    }
}

public enum InputList {
    /// Every input `operands` stand for, at once (see `InputWalk`).
    public static func expand(_ operands: [String], problem: (String, String) -> Void) -> [ClassifierInput] {
        withoutActuallyEscaping(problem) { Array(InputWalk(operands, problem: $0)) }
    }

    /// The image files below `directory` (or, with `imagesOnly` false, every file whose name does
    /// not start with a dot), recursively, in walk order; what is neither a directory nor a
    /// regular file (a FIFO, a device) goes to `problem`, unread.
    static func files(under directory: String, imagesOnly: Bool = true, problem: (String, String) -> Void) -> [String] {
        withoutActuallyEscaping(problem) { problem in
            InputWalk([directory], listed: nil, imagesOnly: imagesOnly, reportsEmptyOperands: false, problem: problem).compactMap { input in
                if case .file(let path) = input.source { path } else { nil }
            }
        }
    }

    /// What `stat` says of `path` (following links), or nil if it cannot.
    static func status(of path: String) -> stat? {
        var info = stat()
        return PathName.withCString(path) { stat($0, &info) } == 0 ? info : nil
    }

    /// The names in `directory`, those that are not UTF-8 carried byte for byte (`PathName`).
    static func entries(of directory: String, problem: (String, String) -> Void) -> [String]? {
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

    static func startsLikeAnImage(_ path: String) -> Bool {
        let fd = PathName.withCString(path) { open($0, O_RDONLY | O_NONBLOCK) }
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 8)
        let count = head.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return count > 0 && ImageDecoder.format(of: Array(head[0..<count])) != nil
    }
}
