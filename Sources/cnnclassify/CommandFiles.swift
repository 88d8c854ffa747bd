import CNN
import Datasets
import Foundation

// The files every command reads or writes, with their problems turned into a `CommandFailure`
// that names the file.

/// Writes one file of a `--report` directory (made if missing), atomically.
func writeReport(_ bytes: [UInt8], named name: String, in directory: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try AtomicFile.write(bytes, to: (directory as NSString).appendingPathComponent(name))
    } catch {
        throw CommandFailure(message: "\(directory): cannot write the report: \(error)", exitCode: 1)
    }
}

/// Loads a weight file, turning its problems into an exit-status-2 failure.
func loadModel(_ path: String, purpose: ModelFile.Purpose = .everything) throws -> ModelFile.Contents {
    do {
        return try ModelFile.read(path, purpose: purpose)
    } catch {
        throw CommandFailure(message: "\(error)")
    }
}

/// Loads a Fashion-MNIST split, turning a missing or bad file into an exit-status-2 failure.
func loadSplit(_ split: FashionMNIST.Split, _ directory: String) throws -> IDXDataset {
    do {
        return try FashionMNIST.load(split, from: directory)
    } catch {
        throw CommandFailure(message: "\(error)")
    }
}
