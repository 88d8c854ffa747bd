import Foundation

extension JSONEncoder {
    /// Stable key order, so the same model always writes the same bytes and a report the same text.
    public static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
