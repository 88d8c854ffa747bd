import ArgumentParser
import CNN
import Foundation

/// A half-open range of item indices written `a..<b` (or `a..b`, inclusive).
struct IndexRange: ExpressibleByArgument, Codable, Equatable {
    var range: Range<Int>

    init(_ range: Range<Int>) { self.range = range }

    init?(argument: String) {
        for (separator, inclusive) in [("..<", false), ("...", true), ("..", true)] {
            let parts = argument.components(separatedBy: separator)
            guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]) else { continue }
            let upper = inclusive ? b + 1 : b
            guard a >= 0, upper >= a else { return nil }
            range = a..<upper
            return
        }
        return nil
    }

    var defaultValueDescription: String { "\(range.lowerBound)..<\(range.upperBound)" }
}

/// `--validation N` (the last N of the training file) or `--validation a..<b`.
extension ValidationSelection: ExpressibleByArgument {
    public init?(argument: String) {
        if let n = Int(argument), n >= 0 {
            self = .last(n)
        } else if let r = IndexRange(argument: argument) {
            self = .range(r.range)
        } else {
            return nil
        }
    }
}
