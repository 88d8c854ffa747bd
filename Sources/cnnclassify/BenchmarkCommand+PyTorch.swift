import Classifier
import Foundation

extension Benchmark {
    /// The median of `repeats` runs of `pytorchReference(_:)`, each a process of its own (one
    /// pass of the script's classify, timed after `import torch`, is one measurement, as a
    /// user's own script would run it); nil when the script or torch is not there.
    func pytorchReference(processes arguments: [String]) -> (line: String, rate: Double?)? {
        let runs = (0..<repeats).compactMap { _ in pytorchReference(arguments) }
        guard let first = runs.first else { return nil }
        let rates = runs.compactMap(\.rate)
        guard rates.count == runs.count else { return first }
        let median = SpeedMeasurement.median(rates)
        let figure = first.line.split(separator: ":", maxSplits: 1).first.map(String.init) ?? first.line
        return ("\(figure): \(grouped(Int(median))) images/s, median of \(repeats) processes", median)
    }

    /// The figure line of `benchmarks/pytorch_reference.py` run with `arguments` (the same
    /// network, batch and optimizer in PyTorch), and its images/s; nil when the script or torch is
    /// not there.
    func pytorchReference(_ arguments: [String]) -> (line: String, rate: Double?)? {
        let script = "benchmarks/pytorch_reference.py"
        guard FileManager.default.fileExists(atPath: script) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments + ["--threads", "\(threading.threads)", "--repeats", "\(repeats)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = text.split(separator: "\n").map(String.init)
        guard process.terminationStatus == 0, lines.count == 2 else { return nil }
        let version = lines[0].split(separator: ":").first.map(String.init) ?? "pytorch"
        let rate = lines[1].split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0.replacingOccurrences(of: ",", with: "")) }
        return ("\(version), the same: \(lines[1].split(separator: ":").last!.trimmingCharacters(in: .whitespaces))", rate)
    }
}
