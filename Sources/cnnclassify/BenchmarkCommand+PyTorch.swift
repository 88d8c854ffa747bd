import Classifier
import Foundation

extension Benchmark {
    /// The figure line of `benchmarks/pytorch_reference.py` run with `arguments` (the same
    /// network, batch and optimizer in PyTorch), and its images/s; with `processes` above one, the
    /// script runs that many times, each a process of its own, and the median of their figures is
    /// given. Nil when the script or torch is not there.
    func pytorchReference(_ arguments: [String], processes: Int = 1) -> (line: String, rate: Double?)? {
        let runs = (0..<processes).compactMap { _ in pytorchRun(arguments) }
        guard let first = runs.first else { return nil }
        let rates = runs.compactMap(\.rate)
        guard processes > 1, !rates.isEmpty else { return ("\(first.version), the same: \(first.figure)", first.rate) }
        let median = SpeedMeasurement.median(rates)
        return ("\(first.version), the same: \(grouped(Int(median))) images/s, median of \(rates.count) processes", median)
    }

    /// One run of the script: PyTorch's version, the figure it printed and its images/s.
    private func pytorchRun(_ arguments: [String]) -> (version: String, figure: String, rate: Double?)? {
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
        let figure = lines[1].split(separator: ":").last!.trimmingCharacters(in: .whitespaces)
        let rate = figure.split(separator: " ").first.flatMap { Double($0.replacingOccurrences(of: ",", with: "")) }
        return (version, figure, rate)
    }
}
