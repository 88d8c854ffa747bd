@testable import Classifier
import XCTest

/// What an evaluation of labelled photos keeps to show: the most confident mistakes, and one
/// right answer per folder, the first in order.
final class PhotoEvaluationTests: XCTestCase {
    private func prediction(_ path: String, _ probabilities: [Float], flagged: Bool = false) -> Prediction {
        var prediction = Prediction(input: .file(path), probabilities: probabilities)
        prediction.uncertain = flagged
        return prediction
    }

    func testKeepsTheFirstRightAnswerOfEachFolderAndTheWorstMistakes() {
        var evaluation = PhotoEvaluation(classNames: ["a", "b"], folders: [
            LabelledPhotos.Folder(name: "as", expectation: .anyOf([0]), files: []),
            LabelledPhotos.Folder(name: "none", expectation: .noClass, files: []),
        ])
        evaluation.add(prediction("as/1", [0.3, 0.7]), folder: 0)
        evaluation.add(prediction("as/2", [0.6, 0.4]), folder: 0)
        evaluation.add(prediction("as/3", [0.9, 0.1]), folder: 0)
        evaluation.add(prediction("none/1", [0.95, 0.05]), folder: 1)
        evaluation.add(prediction("none/2", [0.55, 0.45], flagged: true), folder: 1)
        XCTAssertEqual(evaluation.examples.map(\.path), ["as/2", "none/2"])
        XCTAssertEqual(evaluation.examples.map(\.flagged), [false, true])
        XCTAssertEqual(evaluation.mistakes.map(\.path), ["none/1", "as/1"])
        XCTAssertEqual(evaluation.confidentlyWrong, 2)
    }
}
