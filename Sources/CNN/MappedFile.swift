import Foundation

/// A regular file mapped read-only into memory for as long as the value lives.
///
/// The weight file is read this way because `classify` of one image pays for every copy: reading
/// 3.4 MB into an array zero-fills and copies every page, where a mapping shares the page cache's.
/// A mapping faults (SIGBUS) if another process truncates the file while it is mapped, so it is
/// kept only while the file is decoded (a millisecond), and cnnclassify itself replaces weight
/// files by renaming a new file over them, which leaves a mapped one whole.
public final class MappedFile {
    public let bytes: UnsafeRawBufferPointer

    public init(_ path: String, limit: Int = FileContents.defaultLimit) throws(FileProblem) {
        let (fd, size) = try FileContents.openRegularFile(path)
        defer { close(fd) }
        guard size <= limit else { throw FileProblem(path: path, reason: FileContents.tooLarge(limit)) }
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let start = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), start != MAP_FAILED else {
            throw FileContents.problem(path, errno)
        }
        bytes = UnsafeRawBufferPointer(start: start, count: size)
    }

    deinit {
        if let start = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: start), bytes.count) }
    }
}
