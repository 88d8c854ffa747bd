import Foundation

extension PhotoEvaluation {
    /// The figures for people: totals, a line per folder, the confusion matrix.
    public var text: String {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", 100 * $0) } ?? "-" }
        func right(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(1, width - text.count)) + text }
        let withClass = self.withClass, withoutClass = self.withoutClass
        var lines = [
            "accuracy: \(percent(accuracy)) (\(withClass.right)/\(withClass.photos) photos with a Fashion-MNIST class), "
                + "95% interval \(percent(accuracyInterval[0]))–\(percent(accuracyInterval[1]))",
            "confidently wrong: \(percent(confidentlyWrongShare)) (\(confidentlyWrong)/\(answered) answered photos wrong and not flagged)",
        ]
        if withoutClass.photos > 0 {
            lines.append("flagged: \(percent(noClassFlaggedShare)) (\(withoutClass.flagged)/\(withoutClass.photos) photos of garments Fashion-MNIST does not have)")
        }
        lines.append("unreadable: \(failed) photos")
        lines += ["", "folder        expected                       photos  right  flagged  conf. wrong  most common answers"]
        for folder in folders {
            let common = folder.commonAnswers.prefix(3).map { "\(classNames[$0]) \(folder.answers[$0])" }.joined(separator: ", ")
            lines.append(folder.name.padding(toLength: 13, withPad: " ", startingAt: 0) + " "
                + expected(folder.expectation).padding(toLength: 30, withPad: " ", startingAt: 0)
                + right(String(folder.photos), 7) + right(percent(folder.accuracy), 7) + right(percent(folder.flaggedShare), 9)
                + right(percent(folder.photos == 0 ? nil : Double(folder.confidentlyWrong) / Double(folder.photos)), 13)
                + "  " + common + (folder.failed > 0 ? " (\(folder.failed) unreadable)" : ""))
        }
        lines += ["", "confusion (rows: folders, columns: answers by label)"]
        lines.append(String(repeating: " ", count: 13) + classNames.indices.map { String(format: "%6d", $0) }.joined())
        for folder in folders {
            lines.append(folder.name.padding(toLength: 13, withPad: " ", startingAt: 0) + folder.answers.map { String(format: "%6d", $0) }.joined())
        }
        lines.append("")
        lines.append("labels: " + classNames.enumerated().map { "\($0.offset) \($0.element)" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    /// The figures for programs, as one JSON object's fields.
    public struct Report: Codable, Sendable {
        public struct Folder: Codable, Sendable {
            public var folder: String
            /// Acceptable class names; empty for a folder of garments Fashion-MNIST does not have.
            public var expected: [String]
            public var photos: Int
            public var unreadable: Int
            public var right: Int
            public var accuracy: Double?
            public var flagged: Int
            public var confidentlyWrong: Int
            /// Answers per class, in label order.
            public var answers: [Int]
        }

        public struct Mistake: Codable, Sendable {
            public var path: String
            public var folder: String
            public var answer: String
            public var probability: Float
        }

        public var classNames: [String]
        public var photosWithClass: Int
        public var right: Int
        public var accuracy: Double?
        public var accuracyInterval: [Double]
        public var answered: Int
        public var unreadable: Int
        public var confidentlyWrong: Int
        public var confidentlyWrongShare: Double?
        public var photosWithoutClass: Int
        public var flaggedWithoutClass: Int
        public var flaggedWithoutClassShare: Double?
        public var folders: [Folder]
        public var mostConfidentlyWrong: [Mistake]
    }

    public var report: Report {
        Report(classNames: classNames, photosWithClass: withClass.photos, right: withClass.right, accuracy: accuracy,
               accuracyInterval: accuracyInterval, answered: answered, unreadable: failed, confidentlyWrong: confidentlyWrong,
               confidentlyWrongShare: confidentlyWrongShare, photosWithoutClass: withoutClass.photos,
               flaggedWithoutClass: withoutClass.flagged, flaggedWithoutClassShare: noClassFlaggedShare,
               folders: folders.map { f in
                   let expected: [String]
                   if case .anyOf(let labels) = f.expectation { expected = labels.map { classNames[$0] } } else { expected = [] }
                   return Report.Folder(folder: f.name, expected: expected, photos: f.photos, unreadable: f.failed, right: f.right,
                                        accuracy: f.accuracy, flagged: f.flagged, confidentlyWrong: f.confidentlyWrong, answers: f.answers)
               },
               mostConfidentlyWrong: mistakes.map {
                   Report.Mistake(path: $0.path, folder: folders[$0.folder].name, answer: classNames[$0.label], probability: $0.probability)
               })
    }
}
