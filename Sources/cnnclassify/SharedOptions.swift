import ArgumentParser
import Datasets
import Foundation

/// `--threads`, as every command that computes takes it.
struct ThreadOptions: ParsableArguments {
    // Optional, so that the help says "all cores" rather than this machine's count.
    @Option(name: .customLong("threads"), help: "Threads (default: all cores).") var requested: Int?

    var threads: Int { requested ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if let requested, requested < 1 { throw ValidationError("--threads must be positive") }
    }
}

/// `--data`, where the Fashion-MNIST files are.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Directory with the Fashion-MNIST IDX files (raw or .gz).",
                               discussion: "Default: $FASHION_MNIST_DIR, else \(FashionMNIST.systemDirectory)."))
    var data: String?
}

/// `--model`, the weight file to use, found as `ModelLocator` finds it when not given.
struct ModelOptions: ParsableArguments {
    @Option(help: "Weight file (default: $CNNCLASSIFY_MODEL, else Models/\(ModelLocator.defaultModelName)).")
    var model: String?
}
