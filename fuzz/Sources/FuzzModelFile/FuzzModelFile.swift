import CNN
import FuzzDriver

/// One input as a weight file: decoded as it is, and again with its last four bytes made the
/// right checksum (a mutated file almost never has one, and the checksum is checked first), and
/// if accepted, its network run once on a blank image.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var candidates = [bytes]
    if size >= 16 {
        let crc = CRC32.checksum(bytes.dropLast(4))
        candidates.append(bytes.dropLast(4) + (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) })
    }
    for candidate in candidates {
        guard let contents = try? ModelFile.decode(candidate, path: "input") else { continue }
        let input = Tensor(shape: [1] + contents.network.architecture.inputShape)
        _ = contents.network.forward(input, context: RunContext(training: false, threads: 1))
    }
    return 0
}

@_cdecl("FuzzModelFile_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in LLVMFuzzerTestOneInput(data!, size) }
}
