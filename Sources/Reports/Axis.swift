import Foundation

/// A numeric axis: a range widened to round numbers, its tick values, and the mapping from
/// values to positions along a given length.
public struct Axis {
    public let low: Double
    public let high: Double
    public let ticks: [Double]

    /// About `tickCount` ticks at steps of 1, 2 or 5 × 10ᵏ covering `low…high`.
    public init(covering low: Double, _ high: Double, tickCount: Int = 5) {
        let span = high > low ? high - low : max(abs(high), 1)
        let rough = span / Double(max(tickCount, 1))
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let first = (low / step).rounded(.down) * step
        var last = (high / step).rounded(.up) * step
        if last <= first { last = first + step }
        self.low = first
        self.high = last
        ticks = stride(from: first, through: last + step / 2, by: step).map { $0 }
    }

    /// Where `value` falls between `start` (for `low`) and `end` (for `high`).
    public func position(_ value: Double, from start: Double, to end: Double) -> Double {
        start + (value - low) / (high - low) * (end - start)
    }

    /// A tick label with no more decimals than the step needs.
    public func label(_ value: Double) -> String {
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        return String(format: "%.\(decimals)f", value)
    }
}
