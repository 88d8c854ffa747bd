import ArgumentParser
import CNN
import Classifier
import Foundation


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
        let pipeline = ClassificationPipeline(network: try contents.network.foldingBatchNormalisation(), header: contents.header)
        pipeline.threads = threading.threads
        let evaluation = PhotoEvaluation.run(labelled, pipeline: pipeline, problem: problem)
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
