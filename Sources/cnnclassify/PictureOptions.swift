import ArgumentParser
import CNN
import Classifier
import Foundation
import Reports

/// `classify`'s pictures of what the network got: `--save-input`, `--save-mask`, `--explain`.
struct PictureOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Write each 28×28 network input as a PNG into this directory.", valueName: "directory"))
    var saveInput: String?

    @Option(help: ArgumentHelp("Write, per input, a PNG of the photo as it was segmented (outside the garment dimmed, its outline in red) beside the network input.",
                               valueName: "directory"))
    var saveMask: String?

    @Option(help: ArgumentHelp("Write, per input, a PNG of the network input beside a heatmap of the parts its answer rests on (occlusion saliency).",
                               valueName: "directory"))
    var explain: String?

    /// Made before anything is classified, so that a directory that cannot be made is said at once.
    func createDirectories() throws {
        for directory in [saveInput, saveMask, explain].compactMap({ $0 }) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw CommandFailure(message: "\(directory): cannot create the directory (\(FileProblem.describe(error)))")
            }
        }
    }

    /// Asks the pipeline for the pictures, drawn here (the pipeline does not draw).
    func ask(_ pipeline: ClassificationPipeline) {
        pipeline.saveInputsTo = saveInput
        pipeline.saveMasksTo = saveMask.map { ($0, { try SegmentationPicture.png($0, side: $1) }) }
        pipeline.explainTo = explain.map { ($0, { try ExplanationPicture.png(input: $0, saliency: $1, side: $2, caption: $3) }) }
    }
}
