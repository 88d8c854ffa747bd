import Foundation

/// Random changes to training images that keep their class: a small scale change and shift (what
/// preprocessing of real photos leaves behind), an optional mirror image, and random erasing of a
/// rectangle (Zhong et al., 2017). Each image's draws come from a generator seeded by the run's
/// seed and the image's position in training, so they do not depend on the thread count.
public struct Augmentation: Codable, Equatable, Sendable {
    /// Largest shift in pixels along each axis (zero fills what comes in).
    public var maxShift: Float = 0
    /// Largest relative change of size, e.g. 0.1 for 90%…110%.
    public var maxScale: Float = 0
    /// Mirror left–right with probability ½.
    public var mirror = false
    /// Probability of erasing one rectangle of 2–20% of the image to zero.
    public var erasing: Float = 0

    public init(maxShift: Float = 0, maxScale: Float = 0, mirror: Bool = false, erasing: Float = 0) {
        self.maxShift = maxShift
        self.maxScale = maxScale
        self.mirror = mirror
        self.erasing = erasing
    }

    public var isIdentity: Bool { maxShift == 0 && maxScale == 0 && !mirror && erasing == 0 }

    /// Transforms every image of a batch `[N, 1, H, W]` in place. Image `n` is the one at position
    /// `firstPosition + n` of the epoch, which (with the seed and the epoch) seeds its draws.
    public func apply(toBatch batch: Tensor, seed: UInt64, epoch: Int, firstPosition: Int, threads: Int, scratch: Tensor) {
        let count = batch.shape[0], (height, width) = (batch.shape[2], batch.shape[3])
        scratch.resize(to: [Parallel.chunkCount(count, threads: threads), height * width])
        Parallel.chunks(count, threads: threads) { range, chunk in
            for n in range {
                var random = RandomSource(seed: seed, stream: RandomStream.augmentation.rawValue,
                                          index: UInt64(epoch) << 32 | UInt64(firstPosition + n))
                apply(to: batch.data + n * height * width, height: height, width: width,
                      scratch: scratch.data + chunk * height * width, random: &random)
            }
        }
    }

    /// Transforms one `height × width` image in place; `scratch` holds `height · width` floats.
    public func apply(to image: UnsafeMutablePointer<Float>, height: Int, width: Int, scratch: UnsafeMutablePointer<Float>,
                      random: inout RandomSource) {
        let scale = 1 + (random.nextUniform() * 2 - 1) * maxScale
        let dx = (random.nextUniform() * 2 - 1) * maxShift, dy = (random.nextUniform() * 2 - 1) * maxShift
        let flip = mirror && random.nextUniform() < 0.5
        if scale != 1 || dx != 0 || dy != 0 || flip {
            Self.warp(image, height: height, width: width, scale: scale, dx: dx, dy: dy, mirror: flip, scratch: scratch)
        }
        if erasing > 0 && random.nextUniform() < erasing {
            let area = Float(height * width) * (0.02 + random.nextUniform() * 0.18)
            let aspect = exp(log(0.3) + random.nextUniform() * (log(3.3) - log(0.3)))
            let h = min(height, max(1, Int((area * aspect).squareRoot()))), w = min(width, max(1, Int((area / aspect).squareRoot())))
            let top = Int(random.next() % UInt64(height - h + 1)), left = Int(random.next() % UInt64(width - w + 1))
            for y in top ..< top + h { (image + y * width + left).update(repeating: 0, count: w) }
        }
    }

    /// Scales the image by `scale` about its centre, mirrors it if asked, and shifts it by
    /// (`dx`, `dy`) pixels, reading the source bilinearly with zeros outside.
    public static func warp(_ image: UnsafeMutablePointer<Float>, height: Int, width: Int, scale: Float, dx: Float, dy: Float,
                            mirror: Bool, scratch: UnsafeMutablePointer<Float>) {
        scratch.update(from: image, count: height * width)
        let cx = Float(width - 1) / 2, cy = Float(height - 1) / 2
        for y in 0..<height {
            for x in 0..<width {
                // The source point that lands on (x, y).
                let u = Float(x) - dx, v = Float(y) - dy
                let sx = cx + ((mirror ? Float(width - 1) - u : u) - cx) / scale, sy = cy + (v - cy) / scale
                image[y * width + x] = bilinear(scratch, height: height, width: width, x: sx, y: sy)
            }
        }
    }

    private static func bilinear(_ p: UnsafePointer<Float>, height: Int, width: Int, x: Float, y: Float) -> Float {
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        let fx = x - Float(x0), fy = y - Float(y0)
        func at(_ xx: Int, _ yy: Int) -> Float { xx >= 0 && xx < width && yy >= 0 && yy < height ? p[yy * width + xx] : 0 }
        let top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
        let bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
        return top * (1 - fy) + bottom * fy
    }
}
