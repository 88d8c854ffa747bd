import CNN
import Foundation

/// Training progress on stderr: a redrawn bar when stderr is a terminal, otherwise nothing between
/// the one-line-per-epoch summaries.
final class ProgressDisplay {
    let totalEpochs: Int
    let isTerminal = isatty(STDERR_FILENO) != 0
    private var barShown = false

    init(totalEpochs: Int) { self.totalEpochs = totalEpochs }

    func show(_ p: Trainer.Progress) {
        guard isTerminal else { return }
        let width = 24
        let filled = p.imagesTotal == 0 ? width : width * p.imagesDone / p.imagesTotal
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let line = "epoch \(p.epoch + 1)/\(totalEpochs) [\(bar)] \(grouped(p.imagesDone))/\(grouped(p.imagesTotal))  "
            + "\(grouped(Int(p.imagesPerSecond))) img/s  ETA \(clock(p.secondsLeftInEpoch))  "
            + "loss \(fixed(p.runningLoss, 4))  acc \(percent(p.runningAccuracy))"
        write("\r\u{1B}[K" + line)
        barShown = true
    }

    func epochFinished(_ r: Trainer.EpochReport) {
        var line = "epoch \(r.epoch)/\(totalEpochs)  train loss \(fixed(r.trainLoss, 4)) acc \(percent(r.trainAccuracy))"
        if let loss = r.validationLoss, let accuracy = r.validationAccuracy {
            line += "  val loss \(fixed(loss, 4)) acc \(percent(accuracy))"
        }
        line += "  lr \(String(format: "%.3g", r.learningRate))  \(fixed(r.seconds, 1)) s  \(grouped(Int(r.imagesPerSecond))) img/s"
        message(line)
    }

    /// A line of its own, clearing the bar first.
    func message(_ text: String) {
        write((barShown ? "\r\u{1B}[K" : "") + text + "\n")
        barShown = false
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
