import Datasets
import Foundation
import FuzzDriver

/// The reader takes paths: each input is written to a file in memory (/dev/shm) and read both as
/// images and as labels, raw or gzip alike.
private let path = "/dev/shm/cnnclassify-fuzz-\(getpid()).idx"

@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else { return 0 }
    defer { unlink(path) }
    _ = try? IDXReader.readImages(path)
    _ = try? IDXReader.readLabels(path, classCount: 10)
    return 0
}

@_cdecl("FuzzIDX_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in LLVMFuzzerTestOneInput(data!, size) }
}
