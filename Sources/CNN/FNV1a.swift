/// The 64-bit FNV-1a hash: cheap, well spread, and the same on every machine and run (Swift's
/// `Hasher` is seeded per process), for splits that must not move: the tune/measure halves of a
/// photo set, the shards of a batch run, the digests of results already written.
public enum FNV1a {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325

    public static func hash(_ bytes: some Sequence<UInt8>, basis: UInt64 = offsetBasis) -> UInt64 {
        var hash = basis
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
