/// The classes that are right for one training image: one (a Fashion-MNIST image, a photo of a
/// T-shirt), several (a pair of shoes seen from above may be a sandal, a sneaker or an ankle
/// boot), or none ("none of these": a hat, which the network should be unsure about).
public struct LabelSet: Hashable, Sendable {
    /// Bit `c` set when class `c` is right; at most 64 classes.
    public var bits: UInt64

    public static let maximumClassCount = 64
    public static let none = LabelSet(bits: 0)

    public init(bits: UInt64) { self.bits = bits }

    public init(label: Int) {
        precondition((0..<Self.maximumClassCount).contains(label))
        bits = 1 << UInt64(label)
    }

    public init(_ labels: some Sequence<Int>) {
        bits = 0
        for label in labels { bits |= LabelSet(label: label).bits }
    }

    public func contains(_ label: Int) -> Bool { label >= 0 && label < Self.maximumClassCount && bits & (1 << UInt64(label)) != 0 }
    public var count: Int { bits.nonzeroBitCount }
    public var isEmpty: Bool { bits == 0 }
    /// The class, when exactly one is right.
    public var single: Int? { count == 1 ? bits.trailingZeroBitCount : nil }
}
