import Foundation

/// Whole-file reads straight into a byte array with POSIX calls (Foundation's `Data` and
/// `FileManager` routes cost milliseconds on first use, which matters when classifying one image).
public enum FileContents {
    public static func read(_ path: String) throws(FileProblem) -> [UInt8] {
        func problem(_ code: Int32) -> FileProblem {
            FileProblem(path: path, reason: code == ENOENT ? "no such file" : code == EISDIR ? "is a directory"
                        : String(cString: strerror(code)).lowercased())
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw problem(errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw problem(errno) }
        if info.st_mode & S_IFMT == S_IFDIR { throw problem(EISDIR) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw problem(errno)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }
}
