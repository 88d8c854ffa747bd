import Foundation

/// Runs the built `cnnclassify` binary and captures what it prints.
public struct CommandResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum CNNClassifyBinary {
    /// The binary next to the test bundle in the build directory.
    public static var path: String {
        var url = Bundle.main.bundleURL
        #if os(macOS)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            url = bundle.bundleURL.deletingLastPathComponent()
        }
        #endif
        return url.appendingPathComponent("cnnclassify").path
    }

    /// Runs the binary to completion. Output goes to temporary files rather than pipes, so a
    /// chatty process can never stall on a full pipe.
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                           stdin: Data? = nil, executable: String? = nil) throws -> CommandResult {
        let scratch = TemporaryDirectory()
        let paths = ["stdin", "stdout", "stderr"].map(scratch.file)
        _ = FileManager.default.createFile(atPath: paths[0], contents: stdin ?? Data())
        for path in paths.dropFirst() { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable ?? path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle(forReadingAtPath: paths[0])
        process.standardOutput = FileHandle(forWritingAtPath: paths[1])
        process.standardError = FileHandle(forWritingAtPath: paths[2])
        try process.run()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: try String(contentsOfFile: paths[1], encoding: .utf8),
                             stderr: try String(contentsOfFile: paths[2], encoding: .utf8))
    }
}
