import ArgumentParser
import Classifier
import Foundation

/// `--shard K/N` or `--shard auto`.
enum ShardChoice: ExpressibleByArgument, Equatable {
    case fixed(part: Int, parts: Int), auto
    init?(argument: String) {
        if argument == "auto" { self = .auto; return }
        let pieces = argument.split(separator: "/")
        guard pieces.count == 2, let k = Int(pieces[0]), let n = Int(pieces[1]), n >= 1, k >= 1, k <= n else { return nil }
        self = .fixed(part: k, parts: n)
    }

    /// The shard to classify; for auto, said on stderr with the variables it came from.
    func resolved(split: Shard.Split, count: Int?) throws -> Shard {
        switch self {
        case .fixed(let part, let parts): return Shard(part: part, of: parts, split: split)
        case .auto:
            do throws(ShardError) {
                var (found, source) = try Shard.fromEnvironment(ProcessInfo.processInfo.environment, count: count)
                found.split = split
                printError("shard \(found.part)/\(found.parts) (\(source))")
                return found
            } catch {
                throw CommandFailure(message: "--shard auto: \(error)")
            }
        }
    }
}
