import Foundation
import TestSupport
import XCTest

/// The Winograd transforms (`CKernels/winograd_f7.c`) are compiled once for AVX-512, once for
/// AVX2 and once for the x86-64 baseline, and the processor's copy is picked when the program
/// loads. Every copy must give the same bytes, or a network's outputs (and a seed's trained
/// weights) would depend on the machine: `winograd_copies.c`, built here with the toolchain's
/// clang, runs each function in every copy this processor can run on the same data.
final class WinogradCopiesTests: XCTestCase {
    func testEveryInstructionSetCopyGivesTheSameBytes() throws {
        #if !arch(x86_64)
        throw XCTSkip("the transforms have one copy off x86-64")
        #else
        let work = TemporaryDirectory()
        defer { work.remove() }
        let root = repositoryRoot as NSString, program = work.file("winograd_copies")
        let build = try CNNClassifyBinary.run(["clang", "-O2", "-I", root.appendingPathComponent("Sources/CKernels/include"),
                                               root.appendingPathComponent("Tests/CNNTests/winograd_copies.c"), "-o", program],
                                              executable: "/usr/bin/env")
        XCTAssertEqual(build.status, 0, build.stderr)
        let run = try CNNClassifyBinary.run([], executable: program)
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let compared = try XCTUnwrap(lines.last.flatMap { Int($0.replacingOccurrences(of: "copies compared: ", with: "")) }, run.stdout)
        try XCTSkipIf(compared < 2, "this processor runs only the baseline copy")
        XCTAssertEqual(lines.dropLast().count, 9, run.stdout)
        for line in lines.dropLast() { XCTAssertTrue(line.hasSuffix(": same"), line) }
        #endif
    }
}
