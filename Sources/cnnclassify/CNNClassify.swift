import Foundation
import ArgumentParser
import CNN

@main
struct CNNClassify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnnclassify",
        abstract: "Classify clothing images with a convolutional network trained from scratch on Fashion-MNIST and real photos.",
        discussion: """
            Classes, in label order: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, \
            Sneaker, Bag, Ankle boot.

            Examples:
              cnnclassify shirt.png                     # classify (the default command)
              cnnclassify --format tsv photos/ > results.tsv
              cnnclassify evaluate                      # the shipped model on t10k
              cnnclassify info                          # how the shipped model was made
              Models/train-fashion.sh                   # remake the shipped model
              cnnclassify train --arch seed             # the original notebook's network
            """,
        version: "0.1.0",
        subcommands: [Classify.self, Train.self, Prepare.self, Calibrate.self, Evaluate.self, Info.self, Benchmark.self],
        defaultSubcommand: Classify.self
    )

    static func main() {
        BLAS.useCallingThreadOnly()
        do {
            var command = try parseAsRoot(rawArguments())
            try command.run()
        } catch let failure as CommandFailure {
            printError(failure.message)
            Foundation.exit(failure.exitCode)
        } catch {
            // Usage errors exit with 2, like other command-line tools, rather than
            // ArgumentParser's 64; help and --version still exit 0.
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// The arguments as the bytes they are: `CommandLine.arguments` replaces what is not UTF-8, so a
/// file name in Latin-1 could not be opened again.
private func rawArguments() -> [String] {
    (1..<Int(CommandLine.argc)).map { index in
        PathName.string(UnsafeRawBufferPointer(start: CommandLine.unsafeArgv[index]!, count: strlen(CommandLine.unsafeArgv[index]!)))
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("cnnclassify: \(message)\n".utf8))
}
