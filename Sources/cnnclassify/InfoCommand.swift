import ArgumentParser
import CNN
import Foundation

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show what a weight file holds: network, training run, accuracy, calibration.",
        discussion: """
            Reads only the file's header and checks its checksum; no data set is needed.

            Examples:
              cnnclassify info                          # the model classify would use
              cnnclassify info Models/basic.cnnw --format json
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Weight file (default: $CNNCLASSIFY_MODEL, else Models/\(ModelLocator.defaultModelName)).") var model: String?
    @Option(help: "text or json.") var format: Format = .text

    func run() throws {
        let path = try ModelLocator.resolve(model)
        let contents = try loadModel(path)
        let header = contents.header, network = contents.network
        switch format {
        case .json:
            let report = InfoReport(model: path, parameters: network.parameterCount, multiplyAdds: network.multiplyAdds, header: header)
            print(String(decoding: try JSONEncoder.sorted.encode(report), as: UTF8.self))
        case .text:
            print(text(path: path, header: header, network: network))
        }
    }

    struct InfoReport: Codable {
        var model: String
        var parameters: Int
        var multiplyAdds: Int
        var header: ModelHeader
    }

    private func text(path: String, header: ModelHeader, network: Network) -> String {
        let a = header.architecture, input = header.input
        var lines = [
            "model:        \(path)",
            "architecture: \(a.name): " + a.layers.map(\.summary).joined(separator: " → "),
            "size:         \(grouped(network.parameterCount)) parameters, \(fixed(Double(2 * network.multiplyAdds) / 1e6, 1)) MFLOP per image",
            "input:        \(input.channels)×\(input.height)×\(input.width), background \(input.background), pixel × \(fixed(Double(input.scale), 6))",
            "classes:      " + header.classNames.joined(separator: ", "),
        ]
        if let t = header.training {
            let c = t.configuration
            lines += [
                "trained by:   \(t.command)",
                "training:     \(c.epochs) epochs, batch \(c.batchSize), \(c.optimizer.rawValue) lr \(c.learningRate), seed \(c.seed), \(c.threads) threads, "
                    + "\(grouped(t.trainingImages)) training and \(grouped(t.validationImages)) validation images, \(fixed(t.seconds, 1)) s",
                "recipe:       " + c.recipeSummary,
                "data:         " + t.dataChecksums.sorted { $0.key < $1.key }.map { "\($0.key) crc32 \($0.value)" }.joined(separator: ", "),
            ]
            for set in t.mixedIn ?? [] {
                lines.append("mixed in:     \(grouped(set.images)) images from \(set.prefix), \(percent(Double(set.share))) of every batch")
            }
            if let v = t.validationAccuracy { lines.append("validation:   \(percent(v)) accuracy") }
            if let test = t.testAccuracy { lines.append("t10k:         \(percent(test)) accuracy (measured once, after training)") }
        }
        if let k = header.calibration {
            var line = "calibration:  temperature \(fixed(Double(k.temperature), 3))"
            if let before = k.validationErrorBefore, let after = k.validationErrorAfter {
                line += "; expected calibration error on validation \(percent(before)) → \(percent(after))"
            }
            lines.append(line)
            lines.append("flagged when: \(k.cropRules.text)" + (k.maximumEnergy == nil ? "" : " (energy: the top 1% of validation images)")
                + (k.photoRules == nil ? "" : ", for crops"))
            if let photoRules = k.photoRules, let photos = k.photoFlags {
                lines.append("for photos:   \(photoRules.text)"
                    + " (fitted on photos: \(percent(photos.photosConfidentlyWrong)) of validation photos confidently wrong, "
                    + "\(percent(photos.noneFlagged)) of those of no class flagged"
                    + (photos.rightFlagged.map { ", \(percent($0)) of those answered right flagged" } ?? "") + ")")
            }
        } else {
            lines.append("calibration:  none (plain softmax; flagged when the top probability < \(fixed(Double(Calibration.defaultMinimumConfidence), 2)))")
        }
        return lines.joined(separator: "\n")
    }
}

private extension LayerSpec {
    /// A few words for people, e.g. `conv 3×3×32 pad 1`.
    var summary: String {
        switch self {
        case .conv2D(let c):
            "conv \(c.kernelSize)×\(c.kernelSize)×\(c.filters)" + (c.stride > 1 ? " stride \(c.stride)" : "")
                + (c.padding > 0 ? " pad \(c.padding)" : "") + (c.bias == .untied ? " untied bias" : "")
        case .relu: "ReLU"
        case .maxPool2D(let size, let stride): "max-pool \(size)" + (stride != size ? " stride \(stride)" : "")
        case .flatten: "flatten"
        case .dense(let d): "dense \(d.outputs)"
        case .dropout(let rate): "dropout \(rate)"
        case .batchNorm2D: "batch norm"
        }
    }
}
