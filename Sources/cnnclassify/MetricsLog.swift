import ArgumentParser
import CNN
import Foundation

/// `--log FILE`: one record per epoch, as CSV or JSON lines, appended as epochs finish (so a
/// resumed run continues the same file).
struct MetricsLog {
    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }

    let path: String
    let format: Format

    static let csvHeader = "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,learning_rate,seconds,images_per_second"

    /// Starts a new log (resuming: keeps the records of the epochs already done).
    init(path: String, format: Format, resuming: Bool) throws {
        self.path = path
        self.format = format
        if !resuming || !FileManager.default.fileExists(atPath: path) {
            let start = format == .csv ? Self.csvHeader + "\n" : ""
            guard FileManager.default.createFile(atPath: path, contents: Data(start.utf8)) else {
                throw CommandFailure(message: "\(path): cannot create the log file")
            }
        }
    }

    static func format(for path: String, explicit: Format?) throws -> Format {
        if let explicit { return explicit }
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": return .csv
        case "json", "jsonl", "ndjson": return .json
        default: throw CommandFailure(message: "\(path): cannot tell the log format from the name; use --log-format csv|json")
        }
    }

    func append(_ r: Trainer.EpochReport) throws {
        let line: String
        switch format {
        case .csv:
            let fields: [String] = [
                "\(r.epoch)", fixed(r.trainLoss, 6), fixed(r.trainAccuracy, 6),
                r.validationLoss.map { fixed($0, 6) } ?? "", r.validationAccuracy.map { fixed($0, 6) } ?? "",
                String(format: "%.6g", r.learningRate), fixed(r.seconds, 3), fixed(r.imagesPerSecond, 1),
            ]
            line = fields.joined(separator: ",")
        case .json:
            line = String(decoding: try JSONEncoder.sorted.encode(r), as: UTF8.self)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw CommandFailure(message: "\(path): cannot write the log file") }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((line + "\n").utf8))
    }
}
