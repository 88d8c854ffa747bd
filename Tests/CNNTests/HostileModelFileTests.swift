@testable import CNN
import Foundation
import TestSupport
import XCTest

/// Weight files crafted to hurt: valid checksums over headers that describe anything, tensors
/// whose dimensions overflow or exceed the file, single flipped bits. Each must be refused with a
/// one-line reason, without allocating what it asks for.
final class HostileModelFileTests: XCTestCase {
    private let tiny = Architecture(name: "tiny", inputShape: [1, 4, 4], layers: [
        .conv2D(.init(filters: 2, kernelSize: 3)), .relu, .flatten, .dense(.init(outputs: 3)),
    ])

    /// A raw tensor record: its name, its dimensions as stored, and the values that follow.
    private struct Record {
        var name: String
        var dimensions: [UInt32]
        var values: [Float]
    }

    /// The tensors `architecture` needs, filled with `value`.
    private func records(for architecture: Architecture, value: Float = 0.5) throws -> [Record] {
        try Network(architecture).savedTensors.map { name, tensor in
            Record(name: name, dimensions: tensor.shape.map(UInt32.init), values: [Float](repeating: value, count: tensor.count))
        }
    }

    /// The file's bytes as `ModelFile.write` lays them out, with a correct checksum; `rank`
    /// overrides the stored rank of every record.
    private func file(_ header: ModelHeader, _ records: [Record], rank: UInt8? = nil) throws -> [UInt8] {
        var out = ByteWriter()
        out.append(ModelFile.magic)
        out.append(ModelFile.formatVersion)
        let json = Array(try JSONEncoder().encode(header))
        out.append(UInt32(json.count))
        out.append(json)
        out.append(UInt32(records.count))
        for record in records {
            let name = Array(record.name.utf8)
            out.append(UInt16(name.count))
            out.append(name)
            out.append(rank ?? UInt8(record.dimensions.count))
            for d in record.dimensions { out.append(d) }
            for v in record.values { out.append(v.bitPattern) }
        }
        out.append(CRC32.checksum(out.bytes))
        return out.bytes
    }

    private func header(_ architecture: Architecture, calibration: Calibration? = nil) -> ModelHeader {
        ModelHeader(architecture: architecture, classNames: ["a", "b", "c"], calibration: calibration)
    }

    private func assertRefused(_ bytes: [UInt8], saying expected: String, file: StaticString = #filePath, line: UInt = #line) {
        let started = Date()
        XCTAssertThrowsError(try ModelFile.decode(bytes, path: "m.cnnw"), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("m.cnnw: "), message, file: file, line: line)
            XCTAssertTrue(message.contains(expected), "\(message) does not say \(expected)", file: file, line: line)
            XCTAssertFalse(message.contains("\n"), message, file: file, line: line)
        }
        // Not a speed measurement: a refusal that allocated what the file asks for takes seconds.
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, file: file, line: line)
    }

    func testTheHonestFileReadsBack() throws {
        let contents = try ModelFile.decode(try file(header(tiny), try records(for: tiny)), path: "m.cnnw")
        XCTAssertEqual(contents.network.parameters.first?.value.data[0], 0.5)
    }

    func testAFlippedBitInADimensionIsACorruptedFileNotACrash() throws {
        var bytes = try file(header(tiny), try records(for: tiny))
        let json = Array(try JSONEncoder().encode(header(tiny)))
        // The first tensor's first dimension: after magic, version, length, header, count, name length, name, rank.
        let name = try records(for: tiny)[0].name
        bytes[4 + 4 + 4 + json.count + 4 + 2 + name.utf8.count + 1 + 3] ^= 0x01  // 2 → 2 + 2^24
        assertRefused(bytes, saying: "corrupted (checksum mismatch)")
    }

    func testTensorDimensionsAreCheckedAgainstTheBytesThere() throws {
        var huge = try records(for: tiny)
        huge[0].dimensions = [UInt32.max, UInt32.max, UInt32.max, UInt32.max]
        assertRefused(try file(header(tiny), huge), saying: "does not fit")
        huge[0].dimensions = [1 << 20, 1 << 20]
        assertRefused(try file(header(tiny), huge), saying: "does not fit")
        assertRefused(try file(header(tiny), [Record(name: "x", dimensions: [UInt32](repeating: 2, count: 255), values: [])], rank: 255),
                      saying: "rank 255")
        // Found by fuzzing: a record whose rank byte is the checksum's first byte, 0 — a rank-0
        // tensor (one value) with three bytes left. A name is searched for that makes it so.
        let honest = try file(header(tiny), [Record(name: "x", dimensions: [], values: [])])
        let beforeName = Array(honest.dropLast(2 + 1 + 1 + 4))  // the name's length, "x", the rank and the checksum
        var found: [UInt8]?
        for n in 0..<100_000 where found == nil {
            let name = Array("t\(n)".utf8)
            var bytes = beforeName + withUnsafeBytes(of: UInt16(name.count).littleEndian, Array.init) + name
            let crc = CRC32.checksum(bytes)
            if crc & 0xFF == 0 { bytes += withUnsafeBytes(of: crc.littleEndian, Array.init); found = bytes }
        }
        assertRefused(try XCTUnwrap(found), saying: "does not fit")
    }

    func testHeadersDescribingHugeNetworksAreRefused() throws {
        func conv(_ c: Conv2D.Configuration, input: [Int] = [1, 4, 4]) -> Architecture {
            Architecture(name: "hostile", inputShape: input, layers: [.conv2D(c), .flatten, .dense(.init(outputs: 3))])
        }
        let cases: [(Architecture, String)] = [
            (conv(.init(filters: 1_000_000_000, kernelSize: 3)), "at most"),
            (conv(.init(filters: 2, kernelSize: 1, padding: 1 << 61)), "at most"),
            // Only 1,256 bytes, but 6,001² values per image per layer.
            (conv(.init(filters: 1, kernelSize: 1, padding: 3000)), "too large"),
            (conv(.init(filters: 2, kernelSize: 3), input: [1, 1_000_000_000, 1_000_000_000]), "the input is too large"),
            (Architecture(name: "hostile", inputShape: [1, 4, 4], layers: [.flatten, .dense(.init(outputs: 1_000_000_000_000))]), "too large"),
        ]
        for (architecture, expected) in cases {
            assertRefused(try file(header(architecture), try records(for: tiny)), saying: expected)
        }
    }

    func testAnInputConventionThatDisagreesWithTheArchitectureIsRefused() throws {
        var wrong = header(tiny)
        wrong.input = .fashionMNIST
        assertRefused(try file(wrong, try records(for: tiny)), saying: "says its input is 1×28×28 but its architecture takes 1×4×4")
    }

    func testValuesThatAreNotNumbersAreRefused() throws {
        for bad in [Float.nan, .infinity] {
            var records = try records(for: tiny)
            records[1].values[0] = bad
            assertRefused(try file(header(tiny), records), saying: "not finite")
        }
    }

    func testCalibrationsThatWouldGiveNaNAreRefused() throws {
        // (JSON has no NaN: a header cannot hold one.)
        for temperature: Float in [0, 1e-30, -1, 1e9] {
            let calibration = Calibration(temperature: temperature, minimumConfidence: 0.5, maximumEnergy: -4)
            assertRefused(try file(header(tiny, calibration: calibration), try records(for: tiny)), saying: "temperature")
        }
        let flagsEverything = Calibration(temperature: 1, minimumConfidence: 2, maximumEnergy: nil)
        assertRefused(try file(header(tiny, calibration: flagsEverything), try records(for: tiny)), saying: "minimum confidence")
    }

    func testDuplicateAndUnusedTensorsAreRefused() throws {
        let honest = try records(for: tiny)
        assertRefused(try file(header(tiny), honest + [honest[0]]), saying: "has tensor \(honest[0].name) twice")
        let stray = Record(name: "stray", dimensions: [2], values: [1, 2])
        assertRefused(try file(header(tiny), honest + [stray]), saying: "does not use: stray")
    }
}
