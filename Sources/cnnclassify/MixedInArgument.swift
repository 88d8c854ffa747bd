import ArgumentParser
import CNN

/// `--extra PREFIX[:SHARE]`; a prefix may hold colons of its own, so only a number after the last one is a share.
struct MixedInArgument: ExpressibleByArgument {
    static let defaultShare: Float = 0.25
    var selection: MixedInSelection

    init?(argument: String) {
        if let colon = argument.lastIndex(of: ":"), let share = Float(argument[argument.index(after: colon)...]) {
            selection = MixedInSelection(prefix: String(argument[..<colon]), share: share)
        } else {
            selection = MixedInSelection(prefix: argument, share: Self.defaultShare)
        }
        if selection.prefix.isEmpty { return nil }
    }
}
