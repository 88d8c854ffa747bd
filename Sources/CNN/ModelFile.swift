import Foundation

#if _endian(big)
#error("weight files are little-endian and are read and written with the host's byte order")
#endif

/// The versioned weight file.
///
/// Layout (little-endian): magic `CNNW`, format version (u32), header length (u32) and the header
/// as JSON (`ModelHeader`), tensor count (u32), then per tensor its name (u16 length + UTF-8),
/// rank (u8), dimensions (u32 each) and float32 values, and last a CRC-32 of everything before it.
/// Files are written to a temporary file beside the target and renamed, so a reader never sees a
/// half-written file.
public enum ModelFile {
    public static let magic: [UInt8] = Array("CNNW".utf8)
    public static let formatVersion: UInt32 = 1

    /// A weight file's contents: the header, the network with its weights, and any extra tensors
    /// (a checkpoint's optimizer state).
    public struct Contents {
        public var header: ModelHeader
        public var network: Network
        public var extraTensors: [String: Tensor]
    }

    public static func write(_ network: Network, header: ModelHeader, extraTensors: [String: Tensor] = [:],
                             to path: String) throws {
        var out = ByteWriter()
        out.append(magic)
        out.append(formatVersion)
        let json = try JSONEncoder.sorted.encode(header)
        out.append(UInt32(json.count))
        out.append(Array(json))
        let tensors = network.savedTensors + (header.calibration?.distanceRule?.tensors ?? []) + extraTensors.sorted { $0.key < $1.key }.map { (name: $0.key, tensor: $0.value) }
        out.append(UInt32(tensors.count))
        for (name, tensor) in tensors {
            let nameBytes = Array(name.utf8)
            out.append(UInt16(nameBytes.count))
            out.append(nameBytes)
            out.append(UInt8(tensor.shape.count))
            for d in tensor.shape { out.append(UInt32(d)) }
            out.append(tensor.buffer)
        }
        out.append(CRC32.checksum(out.bytes))
        try AtomicFile.write(out.bytes, to: path)
    }

    /// What a weight file is read for: everything, or only what classifying needs (the training
    /// record, 14 KB of the header's JSON and a dozen types to decode, is left out).
    public enum Purpose: Sendable { case everything, classifying }

    public static func read(_ path: String, purpose: Purpose = .everything) throws -> Contents {
        let file: MappedFile
        do throws(FileProblem) {
            file = try MappedFile(path)
        } catch {
            throw FileProblem(path: path, reason: "cannot be read (\(error.reason))")
        }
        return try withExtendedLifetime(file) { try decode(file.bytes, path: path, purpose: purpose) }
    }

    /// The file's contents, checked before anything is believed: the checksum first (a flipped
    /// bit anywhere is "corrupted", never a crash), then every size with overflow checks and
    /// against the bytes actually there, then the header against the tensors and itself.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Contents {
        try bytes.withUnsafeBytes { try decode($0, path: path) }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, path: String, purpose: Purpose = .everything) throws -> Contents {
        func fail(_ reason: String) -> FileProblem { FileProblem(path: path, reason: reason) }
        var reader = ByteReader(bytes)
        guard let fileMagic = reader.bytes(4), fileMagic == magic else { throw fail("not a cnnclassify weight file (wrong magic bytes)") }
        guard let version = reader.u32() else { throw fail("is truncated") }
        guard version <= formatVersion, version > 0 else {
            throw fail("has weight-file format version \(version); this cnnclassify reads version \(formatVersion): use a newer cnnclassify")
        }
        guard bytes.count >= 16 else { throw fail("is truncated") }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self))
        guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes.dropLast(4))) == stored else { throw fail("is truncated or corrupted (checksum mismatch)") }
        guard let headerLength = reader.u32(), let json = reader.bytes(Int(headerLength)) else { throw fail("is truncated") }
        var header: ModelHeader
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[ModelHeader.decodesTrainingRecord] = purpose == .everything
            header = try decoder.decode(ModelHeader.self, from: Data(json))
        } catch {
            throw fail("has an unreadable header (\(error))")
        }
        // The network first, so that each tensor's values go straight to where it needs them.
        let network: Network
        do {
            network = try Network(header.architecture)
        } catch {
            throw fail("describes an impossible network: \(error)")
        }
        var needed = Dictionary(network.savedTensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        var tensors: [String: Tensor] = [:], seen = Set<String>()
        guard let count = reader.u32() else { throw fail("is truncated") }
        for _ in 0..<count {
            guard let nameLength = reader.u16(), let nameBytes = reader.bytes(Int(nameLength)),
                  let rank = reader.u8() else { throw fail("is truncated") }
            let name = String(decoding: nameBytes, as: UTF8.self)
            guard rank <= maximumRank else { throw fail("has tensor \(name) of rank \(rank); at most \(maximumRank) is meaningful") }
            var shape: [Int] = []
            for _ in 0..<rank {
                guard let d = reader.u32() else { throw fail("is truncated") }
                shape.append(Int(d))
            }
            // Never allocate more than the file holds: the values must be there already.
            let values: Int
            do {
                values = try ArchitectureLimits.product(shape, "tensor \(name)", limit: reader.remaining / 4)
            } catch {
                throw fail("is truncated (tensor \(name) of shape \(shape) does not fit in the \(reader.remaining) bytes left)")
            }
            guard seen.insert(name).inserted else { throw fail("has tensor \(name) twice") }
            let tensor: Tensor
            if let target = needed.removeValue(forKey: name) {
                guard shape == target.shape else {
                    throw fail("has tensor \(name) of shape \(shape), but the \(header.architecture.name) architecture needs \(target.shape)")
                }
                tensor = target
            } else {
                tensor = Tensor(shape: shape)
                tensors[name] = tensor
            }
            tensor.populate()
            reader.copyFloats(into: tensor.data, count: values)
            guard (0..<values).allSatisfy({ tensor.data[$0].isFinite }) else { throw fail("has tensor \(name) with values that are not finite numbers") }
        }
        guard reader.remaining >= 4 else { throw fail("is truncated") }
        guard reader.remaining == 4 else { throw fail("has \(reader.remaining - 4) unexpected bytes after its tensors") }
        if let missing = network.savedTensors.first(where: { needed[$0.name] != nil }) {
            throw fail("has no tensor \(missing.name), which the \(header.architecture.name) architecture needs")
        }
        if header.calibration?.photoRules?.maximumDistance != nil {
            header.calibration?.features = try FeatureDistance(taking: &tensors, classes: network.classCount, dimension: network.featureWidth, fail: fail)
        }
        // Only a checkpoint carries more (the optimizer's state).
        guard header.checkpoint != nil || tensors.isEmpty else {
            throw fail("has tensors the \(header.architecture.name) architecture does not use: \(tensors.keys.sorted().joined(separator: ", "))")
        }
        guard header.classNames.count == network.classCount else {
            throw fail("names \(header.classNames.count) classes but the network has \(network.classCount) outputs")
        }
        if let problem = header.inconsistency { throw fail(problem) }
        return Contents(header: header, network: network, extraTensors: tensors)
    }

    /// Tensors have at most this many dimensions (a convolution's weight has four).
    static let maximumRank = 8
}

/// Little-endian serialisation into a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }
    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func append(_ values: UnsafeMutableBufferPointer<Float>) {
        bytes.append(contentsOf: UnsafeRawBufferPointer(values))
    }
}

/// Bounds-checked little-endian reading; every read returns nil past the end.
struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return Array(bytes[offset ..< offset + count])
    }
    mutating func u8() -> UInt8? { integer() }
    mutating func u16() -> UInt16? { integer() }
    mutating func u32() -> UInt32? { integer() }
    private mutating func integer<T: FixedWidthInteger>() -> T? {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { return nil }
        defer { offset += size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
    /// Copies `count` floats (which the caller has checked are there) into `target`.
    mutating func copyFloats(into target: UnsafeMutablePointer<Float>, count: Int) {
        precondition(count * 4 <= remaining)
        UnsafeMutableRawPointer(target).copyMemory(from: bytes.baseAddress! + offset, byteCount: count * 4)
        offset += count * 4
    }
}
