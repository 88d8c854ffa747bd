/// The results an output file of one format holds, read back a piece at a time, so that
/// resuming a run of millions of results never holds the file: each whole result's path as
/// written (see `PredictionFormatter.writtenPath`), and how many bytes the whole results (and the
/// header) take — what follows is a result cut off by a killed run.
public struct WrittenResults {
    private let formatter: PredictionFormatter
    /// The header line still to be matched at the start, if the format has one.
    private var headerLeft: ArraySlice<UInt8>
    /// The bytes of the record being read, since the last whole one.
    private var record: [UInt8] = []
    private var quoted = false
    public private(set) var wholeLength = 0
    /// False once the bytes are found not to be this format's output (another format, another
    /// model's classes, or not results at all).
    public private(set) var isResults = true

    /// Longer than any result line can be (a path of `PATH_MAX` bytes, every byte escaped, and
    /// the probabilities), so that a file that is not results is refused without holding it.
    static let longestRecord = 64 * 1024

    public init(formatter: PredictionFormatter) {
        self.formatter = formatter
        headerLeft = formatter.header.map { Array($0.utf8 + [UInt8(ascii: "\n")])[...] } ?? []
    }

    /// Reads the next piece of the file, calling `found` with the path of every result it completes.
    public mutating func read(_ bytes: UnsafeRawBufferPointer, found: (String) -> Void) {
        var rest = bytes[...]
        if !headerLeft.isEmpty && isResults {
            let count = min(headerLeft.count, rest.count)
            guard rest.prefix(count).elementsEqual(headerLeft.prefix(count)) else { isResults = false; return }
            headerLeft = headerLeft.dropFirst(count)
            rest = rest.dropFirst(count)
            if headerLeft.isEmpty { wholeLength = formatter.header!.utf8.count + 1 }
        }
        for byte in rest where isResults {
            switch byte {
            // A quoted CSV field may hold newlines of its own.
            case UInt8(ascii: "\"") where formatter.format == .csv: quoted.toggle()
            case UInt8(ascii: "\n") where !quoted:
                guard let path = formatter.writtenPath(ofRecord: record) else {
                    isResults = false
                    return
                }
                found(path)
                wholeLength += record.count + 1
                record.removeAll(keepingCapacity: true)
                continue
            default: break
            }
            record.append(byte)
            if record.count > Self.longestRecord { isResults = false }
        }
    }
}
