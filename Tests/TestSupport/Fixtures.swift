import CNN
import Datasets
import Foundation
import XCTest

/// A temporary directory removed when the test ends.
public final class TemporaryDirectory {
    public let path: String

    public init() {
        path = NSTemporaryDirectory() + "cnnclassify-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { remove() }

    /// Deletes the directory and everything in it. XCTest keeps test-case objects alive until the
    /// process ends, so directories held by them or by statics are removed in tearDown.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

/// Small made-up data sets: 28×28 images whose class can be learnt from where a bright bar is.
public enum SyntheticData {
    /// Image `i` has label `i % classes` and a bright horizontal bar at a row that depends on it,
    /// plus seeded noise.
    public static func images(count: Int, classes: Int = 10, seed: UInt64 = 1) -> LabeledImages {
        var random = RandomSource(seed: seed)
        var pixels = [UInt8](repeating: 0, count: count * 784)
        var labels: [UInt8] = []
        for i in 0..<count {
            let label = i % classes
            labels.append(UInt8(label))
            for p in 0..<784 { pixels[i * 784 + p] = UInt8(random.nextUniform() * 60) }
            let row = 2 + label * 24 / classes
            for r in row ..< row + 2 {
                for c in 4..<24 { pixels[i * 784 + r * 28 + c] = 200 + UInt8(random.nextUniform() * 55) }
            }
        }
        return LabeledImages(pixels: pixels, labels: labels, height: 28, width: 28)
    }

    /// Writes the four Fashion-MNIST-named IDX files (gzipped) into `directory`.
    public static func writeFashionMNISTLayout(to directory: String, trainCount: Int, testCount: Int) throws {
        for (split, count, seed) in [(FashionMNIST.Split.train, trainCount, UInt64(1)), (.test, testCount, UInt64(2))] {
            let data = images(count: count, seed: seed)
            try IDXWriter.writeImages(data.pixels, count: count, rows: 28, columns: 28,
                                      to: (directory as NSString).appendingPathComponent(split.imagesFile + ".gz"))
            try IDXWriter.writeLabels(data.labels, to: (directory as NSString).appendingPathComponent(split.labelsFile + ".gz"))
        }
    }
}

/// The real Fashion-MNIST files, for tests that need them.
public enum RealData {
    /// The data directory when the data set is installed. When it is not, the test is skipped —
    /// except under CI (`CI` set), where a missing data set is a failure, not a silent pass.
    public static func directory(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let directory = FashionMNIST.defaultDirectory
        if FashionMNIST.path(FashionMNIST.Split.test.imagesFile, in: directory) != nil { return directory }
        let message = "the Fashion-MNIST data set is not in \(directory): apt-get install dataset-fashion-mnist"
        if ProcessInfo.processInfo.environment["CI"] != nil {
            XCTFail(message + " (CI is set, so this test must run)", file: file, line: line)
            throw XCTSkip(message)
        }
        throw XCTSkip(message)
    }

    public static func load(_ split: FashionMNIST.Split, file: StaticString = #filePath, line: UInt = #line) throws -> LabeledImages {
        try FashionMNIST.load(split, from: try directory(file: file, line: line)).labeledImages
    }
}

/// The repository's root, found from this file's path.
public let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
    }
    fatalError("Package.swift not found above \(#filePath)")
}()
