import ArgumentParser
import CNN
import Classifier
import Foundation
import Reports

extension Evaluate {
    /// `evaluate --photos DIR`: the labelled photos through the classify pipeline.
    func evaluatePhotos(in directory: String) throws {
        let modelPath = try ModelLocator.resolve(weights.model)
        let contents = try loadModel(modelPath)
        let classNames = contents.header.classNames
        var unreadable = 0
        let problem = { (path: String, reason: String) in
            unreadable += 1
            printError("\(path): \(reason)")
        }
        let labelled: LabelledPhotos
        do {
            labelled = try LabelledPhotos(directory: directory, mappingFile: mapping, classNames: classNames, part: part, problem: problem)
        } catch {
            throw CommandFailure(message: "\(error)")
        }
        let pipeline = ClassificationPipeline(network: try contents.network.preparedForInference(), header: contents.header)
        pipeline.threads = threading.threads
        let evaluation = try PhotoEvaluation.run(labelled, pipeline: pipeline, problem: problem)
        if let report {
            try writeReport(try evaluation.mistakesSheet(pipeline), named: "mistakes.png", in: report)
            try writeReport(try evaluation.examplesSheet(pipeline), named: "answers.png", in: report)
        }
        switch format {
        case .json:
            struct Output: Encodable {
                var model: String
                var photos: String
                var mapping: String?
                var part: String
                var evaluation: PhotoEvaluation.Report
            }
            let output = Output(model: modelPath, photos: directory, mapping: mapping, part: part.rawValue, evaluation: evaluation.report)
            print(String(decoding: try JSONEncoder.sorted.encode(output), as: UTF8.self))
        case .text:
            print("model:    \(modelPath) (\(contents.header.architecture.name), \(grouped(contents.network.parameterCount)) parameters)")
            print("photos:   \(directory)" + (mapping.map { ", mapping \($0)" } ?? "") + ", part \(part.rawValue)")
            print(evaluation.text)
        }
        if unreadable > 0 { throw ExitCode(1) }
    }
}

extension PhotoEvaluation {
    /// A PNG contact sheet of the most confidently wrong photos, each as segmentation saw it
    /// (outside the garment dimmed) beside the 28×28 input the network got; the photos are
    /// read and preprocessed again through `pipeline`, so only these few are ever held.
    func mistakesSheet(_ pipeline: ClassificationPipeline) throws -> [UInt8] {
        try sheet(mistakes, title: "MOST CONFIDENTLY WRONG", of: "\(confidentlyWrong) PHOTOS", pipeline)
    }

    /// The same for one right answer per folder (the first in order), flagged ones marked.
    func examplesSheet(_ pipeline: ClassificationPipeline) throws -> [UInt8] {
        try sheet(examples, title: "ANSWERED RIGHT", of: "\(folders.count) FOLDERS", pipeline)
    }

    private func sheet(_ answers: [Answer], title: String, of total: String, _ pipeline: ClassificationPipeline) throws -> [UInt8] {
        let side = pipeline.header.input.height
        let items = answers.compactMap { answer -> PictureSheet.Item? in
            guard let prepared = try? pipeline.prepared(.file(answer.path)) else { return nil }
            let name = (answer.path as NSString).lastPathComponent
            return PictureSheet.Item(picture: SegmentationPicture.canvas(prepared, side: side, height: 112),
                                     captions: ["\(folders[answer.folder].name.uppercased()): \(String(name.prefix(24)).uppercased())",
                                                "SAID \(classNames[answer.label].uppercased()) \(Int((100 * answer.probability).rounded()))%"
                                                    + (answer.flagged ? " FLAGGED" : "")])
        }
        return try PictureSheet(title: "\(title): \(items.count) OF \(total)", items: items).png()
    }
}
