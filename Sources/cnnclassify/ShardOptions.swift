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

/// `--shard`, `--shards` and `--shard-by`: which share of the inputs this process classifies.
struct ShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Classify only the K-th of N shares of the inputs (1 ≤ K ≤ N); auto takes K and N from a Slurm job array, a Kubernetes Indexed Job or GNU parallel.",
                               valueName: "K/N|auto"))
    var shard: ShardChoice?

    @Option(help: ArgumentHelp("With --shard auto: the number of shards, where the launcher does not say it (Kubernetes, GNU parallel).", valueName: "N"))
    var shards: Int?

    @Option(help: "Shares by position (every N-th input: balanced) or by a hash of the path (a file keeps its shard whatever is added).")
    var shardBy: Shard.Split = .position

    func validate() throws {
        if shards != nil && shard != .auto { throw ValidationError("--shards goes with --shard auto") }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1") }
    }

    /// The shard to classify, if any.
    func selected() throws -> Shard? { try shard?.resolved(split: shardBy, count: shards) }

    /// How many of `count` inputs the share takes, when that is known before they are read: all
    /// of them without a shard, none known for auto or for a share by hash.
    func share(of count: Int) -> Int? {
        switch shard {
        case nil: count
        case .fixed(let part, let parts): shardBy == .position ? Shard(part: part, of: parts).count(of: count) : nil
        case .auto: nil
        }
    }
}
