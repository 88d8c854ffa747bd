import Foundation

/// A number with a fixed count of decimals, written exactly as `String(format: "%.Nf")` writes
/// it. Classifying a folder prints eleven such numbers per image from the one thread that
/// reports, and going through the C formatter each time was a tenth of such a run's time.
enum FixedDecimal {
    /// `value` with `digits` (1 to 6) decimals.
    static func string(_ value: Float, digits: Int) -> String {
        precondition((1...6).contains(digits), "FixedDecimal writes 1 to 6 decimals")
        // A Float's 24-bit significand times 10^6 (15625 · 2^6: 14 more bits) is exact in a
        // Double's 53, so rounding the product half to even is rounding the exact value, as
        // printf does. Past 10^6 the whole part no longer fits the buffer below; negative
        // numbers (-0 among them) and the non-finite are printf's.
        guard value.sign == .plus, value.isFinite, value < 1_000_000 else { return String(format: "%.\(digits)f", value) }
        let scale = powersOfTen[digits]
        let scaled = UInt64((Double(value) * Double(scale)).rounded(.toNearestOrEven))
        var whole = scaled / scale, fraction = scaled % scale
        // At most seven digits (a value just below 10^6 may round up to it), the point, six decimals.
        return String(unsafeUninitializedCapacity: 14) { buffer in
            var wholeDigits = 1
            while wholeDigits < 7 && whole >= powersOfTen[wholeDigits] { wholeDigits += 1 }
            for i in stride(from: wholeDigits - 1, through: 0, by: -1) {
                buffer[i] = UInt8(ascii: "0") + UInt8(whole % 10)
                whole /= 10
            }
            buffer[wholeDigits] = UInt8(ascii: ".")
            for i in stride(from: wholeDigits + digits, to: wholeDigits, by: -1) {
                buffer[i] = UInt8(ascii: "0") + UInt8(fraction % 10)
                fraction /= 10
            }
            return wholeDigits + 1 + digits
        }
    }

    private static let powersOfTen: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]
}
