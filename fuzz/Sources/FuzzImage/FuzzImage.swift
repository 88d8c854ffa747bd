import FuzzDriver
import Imaging

/// One input through what `classify` does with a file's bytes: decoding at the size
/// preprocessing asks for, then preprocessing (segmentation included).
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let preprocessor = Preprocessor()
    var decoder = ImageDecoder()
    decoder.minimumLongSide = preprocessor.sufficientLongSide
    if let image = try? decoder.decode(Array(UnsafeBufferPointer(start: data, count: size))) {
        _ = preprocessor.process(image)
    }
    return 0
}

@_cdecl("FuzzImage_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in LLVMFuzzerTestOneInput(data!, size) }
}
