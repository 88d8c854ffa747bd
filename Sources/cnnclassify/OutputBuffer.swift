import Foundation

/// Buffered standard output: one write per batch of lines rather than per line.
struct OutputBuffer {
    private var pending = Data()

    mutating func line(_ text: String) {
        pending.append(contentsOf: Array(text.utf8))
        pending.append(UInt8(ascii: "\n"))
        if pending.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !pending.isEmpty else { return }
        FileHandle.standardOutput.write(pending)
        pending.removeAll(keepingCapacity: true)
    }
}
