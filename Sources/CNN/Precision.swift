import CKernels

/// The number format of the convolutions' Winograd products at inference. `float` is the
/// reference. `bfloat16` rounds both sides of each product to bfloat16 (8 significant bits) and
/// sums in float, with AVX-512 BF16 instructions that multiply twice as many pairs per
/// instruction: an optional faster path, on processors that have them.
public enum Precision: String, CaseIterable, Sendable {
    case float, bfloat16

    /// Whether this processor can compute in `self`.
    public var isSupported: Bool {
        switch self {
        case .float: true
        case .bfloat16: Self.bfloat16Supported
        }
    }

    private static let bfloat16Supported = ck_bf16_supported() != 0
}
