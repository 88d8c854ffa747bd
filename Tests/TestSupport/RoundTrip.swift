import CNN
import XCTest

/// Saves a freshly initialised network of `architecture` to a weight file, loads it back and
/// checks that parameters and inference outputs are identical.
public func assertWeightFileRoundTrip(_ architecture: Architecture, file: StaticString = #filePath, line: UInt = #line) throws {
    let network = try Network(architecture)
    network.initialize(seed: 11)
    let directory = TemporaryDirectory()
    let path = directory.file("model.cnnw")
    let classes = (0..<network.classCount).map { "class \($0)" }
    let header = ModelHeader(architecture: architecture, classNames: classes)
    try ModelFile.write(network, header: header, to: path)
    let loaded = try ModelFile.read(path)
    XCTAssertEqual(loaded.header, header, file: file, line: line)
    XCTAssertEqual(loaded.network.parameters.map(\.name), network.parameters.map(\.name), file: file, line: line)
    for (a, b) in zip(loaded.network.parameters, network.parameters) {
        XCTAssertEqual(a.value.values, b.value.values, "\(a.name)", file: file, line: line)
    }
    let input = GradientCheck.randomTensor([3] + architecture.inputShape, seed: 5)
    let context = RunContext(training: false, threads: 1)
    XCTAssertEqual(loaded.network.forward(input, context: context).values, network.forward(input, context: context).values,
                   file: file, line: line)
}
