import CNN
import Foundation

/// How a model does on labelled photos: accuracy over the photos whose garment Fashion-MNIST
/// has, how often it is wrong without flagging it, how often it flags the garments it cannot
/// know, per folder and in all.
public struct PhotoEvaluation: Sendable {
    public struct FolderFigures: Sendable {
        public var name: String
        public var expectation: PhotoExpectation
        /// Photos classified, and those that could not be read or decoded.
        public var photos = 0
        public var failed = 0
        /// Answered right: a class in the folder's set, or for a no-class folder, flagged.
        public var right = 0
        public var flagged = 0
        /// Wrong and not flagged.
        public var confidentlyWrong = 0
        /// How many photos got each class as the answer: the folder's row of the confusion matrix.
        public var answers: [Int]

        public var accuracy: Double? { photos == 0 ? nil : Double(right) / Double(photos) }
        public var flaggedShare: Double? { photos == 0 ? nil : Double(flagged) / Double(photos) }

        /// Class labels from most to least often answered (ties by label), those answered at all.
        public var commonAnswers: [Int] {
            answers.indices.filter { answers[$0] > 0 }.sorted { answers[$0] != answers[$1] ? answers[$0] > answers[$1] : $0 < $1 }
        }
    }

    /// A photo's answer, kept to be shown: a mistake, or an example of a right answer.
    public struct Answer: Sendable {
        public var path: String
        public var folder: Int
        public var label: Int
        public var probability: Float
        public var flagged: Bool
    }

    public var classNames: [String]
    public var folders: [FolderFigures]
    /// The most confidently wrong photos, most probable first, at most `mistakesKept`.
    public private(set) var mistakes: [Answer] = []
    public var mistakesKept = 32
    /// The first photo of each folder answered right (with or without a flag), in folder order.
    public var examples: [Answer] {
        firstRight.compactMap { $0 }
    }
    private var firstRight: [Answer?]

    public init(classNames: [String], folders: [LabelledPhotos.Folder]) {
        self.classNames = classNames
        self.folders = folders.map { FolderFigures(name: $0.name, expectation: $0.expectation, answers: [Int](repeating: 0, count: classNames.count)) }
        firstRight = [Answer?](repeating: nil, count: folders.count)
    }

    public mutating func add(_ prediction: Prediction, folder: Int) {
        var figures = folders[folder]
        let flagged = prediction.lowConfidence
        let right: Bool, confidentlyWrong: Bool
        switch figures.expectation {
        case .anyOf(let labels):
            right = labels.contains(prediction.label)
            confidentlyWrong = !right && !flagged
        case .noClass:
            right = flagged
            confidentlyWrong = !flagged
        }
        figures.photos += 1
        figures.answers[prediction.label] += 1
        let answer = Answer(path: prediction.input.name, folder: folder, label: prediction.label, probability: prediction.probability,
                            flagged: flagged)
        if right {
            figures.right += 1
            if firstRight[folder] == nil { firstRight[folder] = answer }
        }
        if flagged { figures.flagged += 1 }
        if confidentlyWrong {
            figures.confidentlyWrong += 1
            keep(answer)
        }
        folders[folder] = figures
    }

    public mutating func addFailure(folder: Int) { folders[folder].failed += 1 }

    private mutating func keep(_ mistake: Answer) {
        let place = mistakes.firstIndex { $0.probability < mistake.probability } ?? mistakes.endIndex
        guard place < mistakesKept else { return }
        mistakes.insert(mistake, at: place)
        if mistakes.count > mistakesKept { mistakes.removeLast() }
    }

    private var classFolders: [FolderFigures] { folders.filter { $0.expectation != .noClass } }
    private var noClassFolders: [FolderFigures] { folders.filter { $0.expectation == .noClass } }

    /// Photos with a Fashion-MNIST class, and how many of them were answered right.
    public var withClass: (photos: Int, right: Int) { (classFolders.map(\.photos).reduce(0, +), classFolders.map(\.right).reduce(0, +)) }
    public var accuracy: Double? { withClass.photos == 0 ? nil : Double(withClass.right) / Double(withClass.photos) }
    /// Wilson score interval at 95%.
    public var accuracyInterval: [Double] { ClassificationMetrics.wilsonInterval(successes: withClass.right, trials: withClass.photos) }
    /// Photos answered (classified, with or without a flag).
    public var answered: Int { folders.map(\.photos).reduce(0, +) }
    public var failed: Int { folders.map(\.failed).reduce(0, +) }
    public var confidentlyWrong: Int { folders.map(\.confidentlyWrong).reduce(0, +) }
    public var confidentlyWrongShare: Double? { answered == 0 ? nil : Double(confidentlyWrong) / Double(answered) }
    /// Photos of garments Fashion-MNIST does not have, and how many of them were flagged.
    public var withoutClass: (photos: Int, flagged: Int) { (noClassFolders.map(\.photos).reduce(0, +), noClassFolders.map(\.flagged).reduce(0, +)) }
    public var noClassFlaggedShare: Double? { withoutClass.photos == 0 ? nil : Double(withoutClass.flagged) / Double(withoutClass.photos) }

    /// What a folder's photos should be, in words.
    public func expected(_ expectation: PhotoExpectation) -> String {
        switch expectation {
        case .anyOf(let labels): labels.map { classNames[$0] }.joined(separator: "|")
        case .noClass: "-"
        }
    }
}

extension PhotoEvaluation {
    /// Classifies every photo of `photos` through `pipeline`, in order; photos that cannot be read
    /// or decoded go to `problem` and are counted.
    public static func run(_ photos: LabelledPhotos, pipeline: ClassificationPipeline, problem: (String, String) -> Void) throws -> PhotoEvaluation {
        var evaluation = PhotoEvaluation(classNames: pipeline.header.classNames, folders: photos.folders)
        let owners = photos.folders.enumerated().flatMap { folder in folder.element.files.map { _ in folder.offset } }
        try pipeline.run(photos.folders.flatMap(\.files).map(ClassifierInput.file)) { position, outcome in
            switch outcome {
            case .classified(let prediction): evaluation.add(prediction, folder: owners[position])
            case .failed(let input, let reason):
                evaluation.addFailure(folder: owners[position])
                problem(input.name, reason)
            }
        }
        return evaluation
    }
}
