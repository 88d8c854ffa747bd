import Foundation

/// SplitMix64: a small, fast, seedable generator. Every random draw in training (initialisation,
/// shuffling, dropout masks) comes from a `RandomSource` derived from the run's seed and the
/// position in training, so a resumed run draws exactly what an uninterrupted one would.
public struct RandomSource: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one purpose within a run, e.g. `(seed, "shuffle", epoch)`.
    public init(seed: UInt64, stream: UInt64, index: UInt64 = 0) {
        var mixer = RandomSource(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        for _ in 0..<2 { _ = mixer.next() }
        state = mixer.next() ^ (index &* 0xD1B5_4A32_D192_ED03)
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 bits of precision.
    public mutating func nextUniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = Double((next() >> 11) + 1) * 0x1p-53
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

/// Streams of randomness used in training, one per purpose.
public enum RandomStream: UInt64 {
    case initialisation = 1, shuffle, dropout, augmentation, mixedIn
}
