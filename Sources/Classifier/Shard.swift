import CNN
import Foundation

/// One of N disjoint shares of the inputs, for running a large batch as N processes on one
/// machine or many: `--shard K/N`, or `--shard auto` with K and N taken from the launcher's
/// environment. Shares are by position (every N-th input as they come: balanced, but adding a
/// file moves those after it to other shards) or by a hash of the path (FNV-1a: a file's shard
/// never changes whatever else is added, and shares balance only on average).
public struct Shard: Equatable, Sendable {
    public enum Split: String, Sendable, CaseIterable { case position, hash }

    public var part: Int
    public var parts: Int
    public var split: Split = .position

    public init(part: Int, of parts: Int, split: Split = .position) {
        self.part = part
        self.parts = parts
        self.split = split
    }

    /// How many of `total` inputs taken by position fall in this shard.
    public func count(of total: Int) -> Int { total / parts + (part <= total % parts ? 1 : 0) }

    /// The inputs of this shard, taken lazily as they come.
    public func select(_ inputs: some Sequence<ClassifierInput>) -> some Sequence<ClassifierInput> {
        let (part, parts, split) = (part, parts, split)
        return inputs.enumerated().lazy.filter { offset, input in
            switch split {
            case .position: offset % parts == part - 1
            case .hash: PathName.withCString(input.name) { Int(FNV1a.hash(UnsafeRawBufferPointer(start: $0, count: strlen($0))) % UInt64(parts)) } == part - 1
            }
        }.map(\.element)
    }

    /// K and N from the environment of the launcher that started this process, and which
    /// variables said so; `count` (`--shards N`) gives N where the launcher does not.
    /// - Slurm job arrays: `SLURM_ARRAY_TASK_ID` counted from `SLURM_ARRAY_TASK_MIN` (0 if unset)
    ///   in steps of `SLURM_ARRAY_TASK_STEP` (1), N = `SLURM_ARRAY_TASK_COUNT`.
    /// - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX` (from 0); N from `count`.
    /// - GNU parallel: `PARALLEL_SEQ` (from 1); N from `count`.
    public static func fromEnvironment(_ environment: [String: String], count: Int?) throws(ShardError) -> (shard: Shard, source: String) {
        func number(_ name: String) throws(ShardError) -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text) else { throw ShardError("\(name)=\(text) is not a number") }
            return value
        }
        func parts(_ launcher: String) throws(ShardError) -> Int {
            guard let count else { throw ShardError("\(launcher) does not say how many shards there are: give --shards N") }
            return count
        }
        let found: (part: Int, parts: Int, source: String)
        if let id = try number("SLURM_ARRAY_TASK_ID") {
            let first = try number("SLURM_ARRAY_TASK_MIN") ?? 0
            let step = try number("SLURM_ARRAY_TASK_STEP") ?? 1
            guard step > 0, (id - first) % step == 0 else { throw ShardError("SLURM_ARRAY_TASK_ID=\(id) is not on the array's steps") }
            var total = try number("SLURM_ARRAY_TASK_COUNT") ?? 0
            if total == 0 { total = try parts("Slurm without SLURM_ARRAY_TASK_COUNT") }
            found = ((id - first) / step + 1, total,
                     "SLURM_ARRAY_TASK_ID=\(id), SLURM_ARRAY_TASK_MIN=\(first), SLURM_ARRAY_TASK_COUNT=\(total)")
        } else if let index = try number("JOB_COMPLETION_INDEX") {
            found = (index + 1, try parts("a Kubernetes Indexed Job"), "JOB_COMPLETION_INDEX=\(index)")
        } else if let sequence = try number("PARALLEL_SEQ") {
            found = (sequence, try parts("GNU parallel"), "PARALLEL_SEQ=\(sequence)")
        } else {
            throw ShardError("no launcher's variables are set (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, PARALLEL_SEQ): give --shard K/N")
        }
        guard found.parts >= 1, (1...found.parts).contains(found.part) else {
            throw ShardError("\(found.source) makes shard \(found.part) of \(found.parts), which is not one of 1…\(found.parts)")
        }
        return (Shard(part: found.part, of: found.parts), found.source)
    }
}

/// Why `--shard auto` found no shard, in words.
public struct ShardError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
