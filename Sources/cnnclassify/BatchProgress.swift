import Foundation

/// Progress of a long classify run on stderr: files done, files/s and, when the number of inputs
/// is known in advance (files and lists, not folders), an ETA. Redrawn in place at most five
/// times a second, and only on a terminal unless asked for: never in a pipe's log by surprise.
final class BatchProgress {
    private let enabled: Bool
    private let total: Int?
    private let start = DispatchTime.now().uptimeNanoseconds
    private var lastDrawn: UInt64
    private var shown = false
    private var done = 0

    init(forced: Bool, total: Int?) {
        enabled = forced || isatty(STDERR_FILENO) != 0
        self.total = total
        lastDrawn = start
    }

    /// Counts one more input finished.
    func count() { done += 1 }

    /// Says how many inputs are finished.
    func set(done: Int) { self.done = done }

    /// Redraws the line if it is time (a fifth of a second since the last).
    func draw() {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastDrawn >= 200_000_000 else { return }
        lastDrawn = now
        let seconds = Double(now - start) / 1e9, rate = Double(done) / max(seconds, 1e-9)
        var line = "\(grouped(done))" + (total.map { " of \(grouped($0))" } ?? "") + " files, \(grouped(Int(rate))) files/s"
        if let total, rate > 0 { line += ", ETA \(clock(Double(max(total - done, 0)) / rate))" }
        write("\r\u{1B}[K" + line)
        shown = true
    }

    /// Removes the progress line, before a message of its own line or at the end.
    func clear() {
        guard shown else { return }
        write("\r\u{1B}[K")
        shown = false
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
