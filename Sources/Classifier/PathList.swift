import CNN
import Foundation

/// The paths of a `--files-from` list (a file, or standard input), one per line or NUL-separated,
/// read as the walk asks for them: a list of millions of paths is never held whole. Empty entries
/// are skipped, and a line's trailing carriage return dropped. A read error, or an entry longer
/// than any path can be, ends the list with a message to `problem`.
public final class PathList: IteratorProtocol {
    private let fd: Int32
    private let name: String
    private let separator: UInt8
    private let problem: (String, String) -> Void
    private var buffer: [UInt8] = []
    private var start = 0
    private var ended = false
    private var closed = false

    /// Longer than `PATH_MAX` many times over; past it, what is read is no list of paths.
    static let longestEntry = 1 << 20

    /// The list in `path` (`-` for standard input).
    public init(_ path: String, nulSeparated: Bool, problem: @escaping (String, String) -> Void) throws(FileProblem) {
        name = path == "-" ? "standard input" : path
        fd = path == "-" ? STDIN_FILENO : try FileContents.openRegularFile(path).fd
        separator = nulSeparated ? 0 : UInt8(ascii: "\n")
        self.problem = problem
    }

    public func next() -> String? {
        while true {
            if let end = buffer[start...].firstIndex(of: separator) {
                let entry = buffer[start..<end]
                start = end + 1
                if let path = path(entry) { return path }
                continue
            }
            guard !ended else {
                // The last entry may have no separator after it.
                let entry = buffer[start...]
                start = buffer.count
                return path(entry)
            }
            refill()
        }
    }

    private func path(_ entry: ArraySlice<UInt8>) -> String? {
        var entry = entry
        if separator != 0 && entry.last == UInt8(ascii: "\r") { entry.removeLast() }
        return entry.isEmpty ? nil : PathName.string(entry)
    }

    /// Drops what was used and reads the next chunk, or marks the end.
    private func refill() {
        buffer.removeFirst(start)
        start = 0
        guard buffer.count <= Self.longestEntry else {
            problem(name, "holds an entry longer than \(Self.longestEntry) bytes; the rest of the list is not read")
            finish(dropping: true)
            return
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        do throws(FileProblem) {
            let count = try FileContents.readSome(fd, into: &chunk, count: chunk.count, name: name)
            if count == 0 { finish(dropping: false) } else { buffer += chunk[0..<count] }
        } catch {
            problem(name, "cannot be read further (\(error.reason)); the rest of the list is not read")
            finish(dropping: true)
        }
    }

    private func finish(dropping: Bool) {
        if dropping { buffer.removeAll() }
        ended = true
        closeFile()
    }

    private func closeFile() {
        if fd != STDIN_FILENO && !closed { close(fd) }
        closed = true
    }

    deinit { closeFile() }
}
