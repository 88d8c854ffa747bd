import Foundation

/// Writes a file so that it either appears complete or not at all: the bytes go to a temporary
/// file in the same directory, which is flushed to disk and renamed over the target.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try prepare(path)
        let temporary = temporaryPath(for: path)
        let fd = PathName.withCString(temporary) { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        guard fd >= 0 else { throw FileProblem(path: path, reason: "cannot be written (\(String(cString: strerror(errno)).lowercased()))") }
        var failure = FileContents.writeAll(fd, bytes) ?? 0
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure == 0 && PathName.withCString(temporary, { from in PathName.withCString(path) { rename(from, $0) } }) != 0 { failure = errno }
        if failure != 0 {
            PathName.withCString(temporary) { _ = unlink($0) }
            throw FileProblem(path: path, reason: "cannot be written (\(String(cString: strerror(failure)).lowercased()))")
        }
    }

    /// Throws unless `path` can be written now: its directory exists (or is made) and takes a new
    /// file, and the path is free or a regular file. For work that must not be lost at its end.
    public static func checkWritable(_ path: String) throws {
        try prepare(path)
        let probe = temporaryPath(for: path)
        let fd = PathName.withCString(probe) { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
        guard fd >= 0 else { throw FileProblem(path: path, reason: "cannot be written (\(String(cString: strerror(errno)).lowercased()))") }
        close(fd)
        PathName.withCString(probe) { _ = unlink($0) }
    }

    /// Makes the directory, refuses to replace what is not a regular file (a link would be
    /// replaced by a file, a device renamed over), and removes temporary files that writers
    /// killed before their rename left behind.
    private static func prepare(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var info = stat()
        if PathName.withCString(path, { lstat($0, &info) }) == 0 {
            let kind = info.st_mode & S_IFMT == S_IFLNK ? "a symbolic link" : FileContents.nonRegularKind(info.st_mode)
            if let kind { throw FileProblem(path: path, reason: "is \(kind); only a regular file is replaced") }
        }
        removeStaleTemporaries(of: path)
    }

    /// `PATH.PID.tmp`: unique per process, and telling whose it is.
    private static func temporaryPath(for path: String) -> String { "\(path).\(getpid()).tmp" }

    private static func removeStaleTemporaries(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + "."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            guard let pid = Int32(name.dropFirst(prefix.count).dropLast(4)), pid != getpid() else { continue }
            // Only a writer that is gone: a live one is still writing its file.
            if kill(pid, 0) != 0 && errno == ESRCH { unlink((directory as NSString).appendingPathComponent(name)) }
        }
    }
}

/// A file that cannot be read or written, with the reason in words.
public struct FileProblem: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// The operating system's words for a Foundation file error.
    public static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case NSFileReadNoSuchFileError: return "no such file"
            case NSFileReadNoPermissionError: return "permission denied"
            default: break
            }
        }
        return ns.localizedDescription
    }
}
