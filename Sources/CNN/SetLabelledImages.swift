/// Single-channel 8-bit images, each with the set of classes that are right for it (one,
/// several, or none: see `LabelSet`), stored contiguously: labelled photos prepared for training.
public struct SetLabelledImages: Sendable {
    public var pixels: [UInt8]
    public var sets: [LabelSet]
    public var height: Int
    public var width: Int

    public init(pixels: [UInt8], sets: [LabelSet], height: Int, width: Int) {
        precondition(pixels.count == sets.count * height * width, "pixel count does not match label sets × \(height)×\(width)")
        self.pixels = pixels
        self.sets = sets
        self.height = height
        self.width = width
    }

    public var count: Int { sets.count }
    public var imageSize: Int { height * width }
}
