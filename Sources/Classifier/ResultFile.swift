import CNN
import Foundation

/// `classify --output FILE`: results appended as they are known, in whole lines, so that a run
/// killed at any moment leaves every result it finished and at most one cut-off line, which a
/// resumed run removes before it appends the rest. Resuming (`--resume`) reads what the file
/// holds and skips the inputs already there: the file then ends as an uninterrupted run's would.
public final class ResultFile {
    public let path: String
    private let formatter: PredictionFormatter
    private let fd: Int32
    private var pending: [UInt8] = []
    /// The written paths already in the file, hashed (16 bytes a result, not the path itself).
    private var done = Set<PathDigest>()
    /// How many results the file held when resumed.
    public private(set) var resumedCount = 0

    /// Opens `path` for `formatter`'s results: afresh (emptied, with the format's header), or,
    /// with `resuming`, as it is, skipping what it holds. Throws when it cannot be written, or
    /// when resuming a file that is not this format's output.
    public init(path: String, formatter: PredictionFormatter, resuming: Bool) throws(FileProblem) {
        self.path = path
        self.formatter = formatter
        var recorded = WrittenResults(formatter: formatter)
        var info = stat(), done = Set<PathDigest>(), count = 0
        if resuming, PathName.withCString(path, { stat($0, &info) }) == 0 {
            try Self.read(path, into: &recorded) {
                done.insert(PathDigest($0))
                count += 1
            }
        }
        guard recorded.isResults else {
            throw FileProblem(path: path, reason: "does not hold \(formatter.format.rawValue) results of this model's classes; "
                              + "resume with the --format it was written in, or write to a new file")
        }
        let flags = O_WRONLY | O_CREAT | (resuming ? 0 : O_TRUNC)
        fd = PathName.withCString(path) { open($0, flags, 0o644) }
        guard fd >= 0 else { throw FileProblem(path: path, reason: "cannot be written (\(String(cString: strerror(errno)).lowercased()))") }
        // Whatever follows the last whole result is a line cut off by a killed run.
        guard ftruncate(fd, off_t(recorded.wholeLength)) == 0, lseek(fd, 0, SEEK_END) >= 0 else {
            let reason = String(cString: strerror(errno)).lowercased()
            close(fd)
            throw FileProblem(path: path, reason: "cannot be written (\(reason))")
        }
        self.done = done
        resumedCount = count
        if recorded.wholeLength == 0, let header = formatter.header { pending = Array(header.utf8) + [UInt8(ascii: "\n")] }
    }

    deinit { close(fd) }

    /// Reads what the file at `path` holds a megabyte at a time, until it is found not to be results.
    private static func read(_ path: String, into recorded: inout WrittenResults, found: (String) -> Void) throws(FileProblem) {
        let (fd, _) = try FileContents.openRegularFile(path)
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 1)
        defer { buffer.deallocate() }
        while recorded.isResults {
            let count = try FileContents.readSome(fd, into: buffer.baseAddress!, count: buffer.count, name: path)
            if count == 0 { return }
            recorded.read(UnsafeRawBufferPointer(rebasing: buffer[..<count]), found: found)
        }
    }

    /// Whether the file holds a result for `input` already.
    public func holds(_ input: ClassifierInput) -> Bool {
        !done.isEmpty && done.contains(PathDigest(formatter.writtenPath(input.name)))
    }

    /// Adds one result line, written at the next `flush`.
    public func append(_ line: String) {
        pending += Array(line.utf8)
        pending.append(UInt8(ascii: "\n"))
    }

    /// Writes the lines appended so far, whole.
    public func flush() throws(FileProblem) {
        if let failure = FileContents.writeAll(fd, pending) {
            throw FileProblem(path: path, reason: "cannot be written (\(String(cString: strerror(failure)).lowercased()))")
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Two 64-bit FNV-1a hashes of a written path from different starting points: resuming after
    /// a million results holds about 42 MB (16 bytes each in the set's table) whatever their
    /// paths, and a false match needs both to collide.
    private struct PathDigest: Hashable {
        var low: UInt64, high: UInt64

        init(_ text: String) {
            low = FNV1a.hash(text.utf8)
            high = FNV1a.hash(text.utf8, basis: low ^ 0x9e37_79b9_7f4a_7c15)
        }
    }
}
