import ArgumentParser
import Datasets
import Foundation

/// `--threads`, as every command that computes takes it.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be positive") }
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
