import Foundation

// How figures are written in what the commands print: fixed decimals, percentages with two,
// times as m:ss or h:mm:ss, and counts with thousands separators (10,000), the same everywhere.

func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
func percent(_ fraction: Double) -> String { String(format: "%.2f%%", fraction * 100) }
func clock(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "--:--" }
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}
func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
}
