import CNN
import Classifier
import Foundation

extension Classify {
    /// The inputs in the order they are classified, walked as they are used: the operands (files,
    /// folders, standard input), then the `--files-from` list, less what `--shard` leaves to
    /// other processes.
    func inputSequence(problem: @escaping (String, String) -> Void) throws -> AnySequence<ClassifierInput> {
        var listed: PathList?
        if let filesFrom {
            do throws(FileProblem) {
                listed = try PathList(filesFrom, nulSeparated: nulSeparated, problem: problem)
            } catch {
                throw CommandFailure(message: "\(error.path): cannot read the list of paths (\(error.reason))")
            }
        }
        // Classified while the tree is walked; listed paths are files, as with tar -T.
        let walk = InputWalk(inputs, listed: listed.map { AnyIterator($0) }, problem: problem)
        guard let shard = try sharding.selected() else { return AnySequence(walk) }
        return AnySequence(shard.select(walk))
    }

    /// How many inputs there will be, when that is known before the walk: files only, no folder
    /// or list, nothing skipped by --resume, and a share known beforehand.
    func knownTotal() -> Int? {
        var isDirectory: ObjCBool = false
        guard !resume, filesFrom == nil,
              !inputs.contains(where: { FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue })
        else { return nil }
        return sharding.share(of: inputs.count)
    }
}
