/// Single-channel 8-bit images with integer labels, stored contiguously: what training and
/// evaluation consume.
public struct LabeledImages: Sendable {
    public var pixels: [UInt8]
    public var labels: [UInt8]
    public var height: Int
    public var width: Int

    public init(pixels: [UInt8], labels: [UInt8], height: Int, width: Int) {
        precondition(pixels.count == labels.count * height * width, "pixel count does not match labels × \(height)×\(width)")
        self.pixels = pixels
        self.labels = labels
        self.height = height
        self.width = width
    }

    public var count: Int { labels.count }
    public var imageSize: Int { height * width }

    /// The images at `indices`, in that order.
    public func subset<S: Sequence>(_ indices: S) -> LabeledImages where S.Element == Int {
        var pixels: [UInt8] = [], labels: [UInt8] = []
        for i in indices {
            pixels.append(contentsOf: self.pixels[i * imageSize ..< (i + 1) * imageSize])
            labels.append(self.labels[i])
        }
        return LabeledImages(pixels: pixels, labels: labels, height: height, width: width)
    }

    /// Writes the images at `indices` into `batch` as `[N, 1, H, W]` floats (pixel × scale) and
    /// their labels into `labels`.
    public func fill<C: Collection>(_ batch: Tensor, labels batchLabels: inout [Int32], indices: C, scale: Float)
    where C.Element == Int {
        batch.resize(to: [indices.count, 1, height, width])
        batchLabels.removeAll(keepingCapacity: true)
        let size = imageSize
        pixels.withUnsafeBufferPointer { src in
            var dst = batch.data
            for i in indices {
                let image = src.baseAddress! + i * size
                for p in 0..<size { dst[p] = Float(image[p]) * scale }
                dst += size
                batchLabels.append(Int32(labels[i]))
            }
        }
    }
}
