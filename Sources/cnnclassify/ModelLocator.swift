import Foundation

/// Finds the weight file to use when `--model` is not given.
enum ModelLocator {
    static let environmentVariable = "CNNCLASSIFY_MODEL"
    /// The shipped model's file name in `Models/`.
    static let defaultModelName = "fashion.cnnw"

    /// `$CNNCLASSIFY_MODEL`; else `Models/<default>` in the current directory; else next to the
    /// executable as installed (`<prefix>/share/cnnclassify/`); else `Models/` in a directory
    /// above the executable (a build inside the repository).
    static func defaultModelPath() -> String? {
        let fileManager = FileManager.default
        if let fromEnvironment = ProcessInfo.processInfo.environment[environmentVariable], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        var candidates = ["Models/\(defaultModelName)"]
        let executable = URL(fileURLWithPath: CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0] : "/proc/self/exe")
            .resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        candidates.append(directory.appendingPathComponent("../share/cnnclassify/\(defaultModelName)").standardized.path)
        while directory.path != "/" {
            candidates.append(directory.appendingPathComponent("Models/\(defaultModelName)").path)
            directory.deleteLastPathComponent()
        }
        return candidates.first { fileManager.fileExists(atPath: $0) }
    }

    static func resolve(_ explicit: String?) throws -> String {
        if let explicit { return explicit }
        guard let found = defaultModelPath() else {
            throw CommandFailure(message: "no model found: pass --model PATH, set $\(environmentVariable), or run from the repository (Models/\(defaultModelName))")
        }
        return found
    }
}
