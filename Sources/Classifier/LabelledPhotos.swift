import CNN
import Foundation

/// A tree of photos in one folder per label, and what the right answer is for each folder.
public struct LabelledPhotos: Sendable {
    public struct Folder: Sendable {
        public var name: String
        public var expectation: PhotoExpectation
        /// Every file below the folder (not only those that look like images, so that a file that
        /// cannot be decoded is counted as such), sorted by path.
        public var files: [String]
    }

    /// Which photos to take: all, or one of two fixed halves — one to tune on, one to measure on —
    /// or one of the two halves of `tune`: `train` to train a model on, `validation` to choose
    /// its recipe on.
    public enum Part: String, Sendable, CaseIterable {
        case all, tune, measure, train, validation

        /// The half a photo belongs to, from its file name alone (not its folder or the tree's
        /// place), so that the split is the same wherever the tree is copied: the FNV-1a 64-bit
        /// hash of the name's UTF-8 bytes, even for `tune`, odd for `measure`.
        public static func of(fileName: String) -> Part {
            FNV1a.hash(fileName.utf8) % 2 == 0 ? .tune : .measure
        }

        /// The quarter a photo of `tune` belongs to: the hash's second bit clear for `train`, set
        /// for `validation`.
        public static func quarter(fileName: String) -> Part? {
            let hash = FNV1a.hash(fileName.utf8)
            return hash % 2 == 0 ? (hash % 4 == 0 ? .train : .validation) : nil
        }

        func contains(_ path: String) -> Bool {
            let name = (path as NSString).lastPathComponent
            switch self {
            case .all: return true
            case .tune, .measure: return Self.of(fileName: name) == self
            case .train, .validation: return Self.quarter(fileName: name) == self
            }
        }
    }

    public var directory: String
    public var folders: [Folder]

    /// The same with the mapping read from `mappingFile`, if one is given.
    public init(directory: String, mappingFile: String?, classNames: [String], part: Part,
                problem: (String, String) -> Void) throws(FileProblem) {
        let mapping = try mappingFile.map { path throws(FileProblem) in try PhotoMapping.read(path, classNames: classNames) }
        try self.init(directory: directory, mapping: mapping, classNames: classNames, part: part, problem: problem)
    }

    /// The folders directly below `directory`, each with its expectation from `mapping` or, without
    /// one, from its name, which must then be a class name. A folder the mapping does not know, or
    /// a name that is not a class, is an error; files directly in `directory` go to `problem`.
    public init(directory: String, mapping: PhotoMapping?, classNames: [String], part: Part,
                problem: (String, String) -> Void) throws(FileProblem) {
        self.directory = directory
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw FileProblem(path: directory, reason: "cannot list the directory (\(FileProblem.describe(error)))")
        }
        folders = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                problem(path, "not in a labelled folder, so not evaluated")
                continue
            }
            let expectation: PhotoExpectation
            if let mapping {
                guard let mapped = mapping.expectations[name] else {
                    throw FileProblem(path: path, reason: "this folder is not in the mapping (give it a line, with - if Fashion-MNIST has no such garment)")
                }
                expectation = mapped
            } else {
                guard let label = PhotoMapping.label(named: name, in: classNames) else {
                    throw FileProblem(path: path, reason: "the folder's name is not a class name; give --mapping FILE to say what it holds")
                }
                expectation = .anyOf([label])
            }
            let files = InputList.files(under: path, imagesOnly: false, problem: problem).filter(part.contains)
            folders.append(Folder(name: name, expectation: expectation, files: files))
        }
        if folders.isEmpty { throw FileProblem(path: directory, reason: "holds no labelled folder") }
    }
}
