/// Turns any image into the network's input: 28×28, gray, object bright on a black background.
///
/// Fashion-MNIST was made from product photos on light backgrounds: trimmed to the object, the
/// longest edge resized to 28, the short edge padded and centred, and negated. `fashion` repeats
/// that for arbitrary images; `none` only resizes (for inputs prepared elsewhere). An image that
/// is already 28×28 — a Fashion-MNIST crop — passes through with its pixels unchanged (inverted
/// only if its background is light).
public struct Preprocessor: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case fashion, none }
    public enum Polarity: String, Sendable, CaseIterable {
        /// Invert when the border says the background is light.
        case auto
        case always, never
    }

    public var mode: Mode = .fashion
    public var polarity: Polarity = .auto
    /// How far above the background level a pixel must be to count as the object when trimming,
    /// in 0...255 after polarity is settled.
    public var trimTolerance: Float = 10
    public var side = 28

    public init(mode: Mode = .fashion, polarity: Polarity = .auto) {
        self.mode = mode
        self.polarity = polarity
    }

    /// The `side × side` input as bytes, row after row.
    public func process(_ image: GrayImage) -> [UInt8] {
        var image = image
        let background = Self.borderLevel(image)
        let invert: Bool
        switch polarity {
        case .auto: invert = background > 127.5
        case .always: invert = true
        case .never: invert = false
        }
        if invert { image.pixels = image.pixels.map { 255 - $0 } }
        // Already the input's size: a prepared crop, which trimming and resizing would only blur.
        if image.width == side && image.height == side {
            return Self.bytes(image.pixels)
        }
        if mode == .none {
            return Self.bytes(image.resized(width: side, height: side).pixels)
        }
        // Background to 0 and the brightest object pixel to 255, as in the data set.
        let level = invert ? 255 - background : background
        let peak = image.pixels.max() ?? 255
        let gain = peak - level > 1 ? 255 / (peak - level) : 1
        image.pixels = image.pixels.map { max(0, ($0 - level) * gain) }
        let box = objectBox(image) ?? (0, 0, image.width, image.height)
        let object = image.cropped(x: box.0, y: box.1, width: box.2, height: box.3)
        let scale = Double(side) / Double(max(object.width, object.height))
        let w = max(1, min(side, Int((Double(object.width) * scale).rounded())))
        let h = max(1, min(side, Int((Double(object.height) * scale).rounded())))
        let fitted = object.resized(width: w, height: h)
        var canvas = GrayImage(width: side, height: side, pixels: [Float](repeating: 0, count: side * side))
        // Odd leftovers go to the top and left, as in Fashion-MNIST (about 20 to 1 in t10k).
        let left = (side - w + 1) / 2, top = (side - h + 1) / 2
        for y in 0..<h {
            for x in 0..<w { canvas[left + x, top + y] = fitted[x, y] }
        }
        return Self.bytes(canvas.pixels)
    }

    /// The median of the outermost ring of pixels: the background's level.
    static func borderLevel(_ image: GrayImage) -> Float {
        var ring: [Float] = []
        for x in 0..<image.width {
            ring.append(image[x, 0])
            if image.height > 1 { ring.append(image[x, image.height - 1]) }
        }
        for y in 1 ..< max(1, image.height - 1) {
            ring.append(image[0, y])
            if image.width > 1 { ring.append(image[image.width - 1, y]) }
        }
        ring.sort()
        return ring[ring.count / 2]
    }

    /// The bounding box (x, y, width, height) of the pixels brighter than the tolerance, or nil
    /// when there are none.
    private func objectBox(_ image: GrayImage) -> (Int, Int, Int, Int)? {
        var minX = image.width, minY = image.height, maxX = -1, maxY = -1
        for y in 0..<image.height {
            for x in 0..<image.width where image[x, y] > trimTolerance {
                minX = min(minX, x); maxX = max(maxX, x)
                minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        return maxX < 0 ? nil : (minX, minY, maxX - minX + 1, maxY - minY + 1)
    }

    static func bytes(_ values: [Float]) -> [UInt8] { values.map { UInt8(max(0, min(255, $0.rounded()))) } }
}
