import Foundation

/// Whole-file reads straight into a byte array with POSIX calls (Foundation's `Data` and
/// `FileManager` routes cost milliseconds on first use, which matters when classifying one image).
/// Only regular files are read, and never more than a limit: a FIFO would block the reader
/// forever, and `/dev/zero` fill memory.
public enum FileContents {
    /// What is read at most unless a caller says otherwise: 256 MiB, far above any image,
    /// weight file or data set this tool reads.
    public static let defaultLimit = 1 << 28

    public static func read(_ path: String, limit: Int = defaultLimit) throws(FileProblem) -> [UInt8] {
        let (fd, size) = try openRegularFile(path)
        defer { close(fd) }
        guard size <= limit else { throw FileProblem(path: path, reason: tooLarge(limit)) }
        return try readAll(fd, name: path, limit: limit, expected: size)
    }

    /// A descriptor of `path` open for reading, and its size, if it is a regular file; the caller
    /// closes it. Non-blocking, so that opening a FIFO returns at once instead of waiting for a
    /// writer.
    public static func openRegularFile(_ path: String) throws(FileProblem) -> (fd: Int32, size: Int) {
        let fd = PathName.withCString(path) { open($0, O_RDONLY | O_NONBLOCK) }
        guard fd >= 0 else { throw problem(path, errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw problem(path, code)
        }
        if let kind = nonRegularKind(info.st_mode) {
            close(fd)
            throw FileProblem(path: path, reason: "is \(kind), not a regular file")
        }
        return (fd, Int(info.st_size))
    }

    /// Writes all of `bytes` to `fd`, however many calls it takes; the error number if one failed.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
    }

    /// Reads what `fd` has next into `buffer` (at most `count` bytes), waiting for a slow pipe;
    /// 0 at the end.
    public static func readSome(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, name: String) throws(FileProblem) -> Int {
        while true {
            let n = Foundation.read(fd, buffer, count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN {
                // A non-blocking descriptor with nothing yet (standard input from a slow pipe): wait for it.
                var waiting = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&waiting, 1, -1)
                continue
            }
            throw problem(name, errno)
        }
    }

    /// Everything on standard input (a pipe, a file or a terminal), up to `limit` bytes.
    public static func readStandardInput(limit: Int = defaultLimit) throws(FileProblem) -> [UInt8] {
        try readAll(STDIN_FILENO, name: "standard input", limit: limit, expected: 0)
    }

    /// "a directory", "a FIFO", … for what is not a regular file; nil for a regular file.
    public static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "a special file"
        }
    }

    static func tooLarge(_ limit: Int) -> String { "holds more than the \(limit)-byte limit" }

    static func problem(_ path: String, _ code: Int32) -> FileProblem {
        FileProblem(path: path, reason: code == ENOENT ? "no such file" : String(cString: strerror(code)).lowercased())
    }

    private static func readAll(_ fd: Int32, name: String, limit: Int, expected: Int) throws(FileProblem) -> [UInt8] {
        // The size the file had is read straight into place; only what it has grown by since, or
        // a pipe's bytes, go through a chunk.
        var failure: FileProblem?
        var bytes = [UInt8](unsafeUninitializedCapacity: min(expected, limit)) { buffer, initialized in
            while initialized < buffer.count {
                do throws(FileProblem) {
                    let n = try readSome(fd, into: buffer.baseAddress! + initialized, count: buffer.count - initialized, name: name)
                    if n == 0 { return }
                    initialized += n
                } catch {
                    failure = error
                    return
                }
            }
        }
        if let failure { throw failure }
        if bytes.count < expected { return bytes }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try readSome(fd, into: &chunk, count: chunk.count, name: name)
            if n == 0 { return bytes }
            guard bytes.count + n <= limit else { throw FileProblem(path: name, reason: tooLarge(limit)) }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }
}
