import Foundation

/// Random changes to training images that keep their class: a small scale change and shift (what
/// preprocessing of real photos leaves behind), an optional mirror image, a darker tone (the same
/// item in a darker colour), random erasing of a rectangle (Zhong et al., 2017), and what
/// segmenting a real photo leaves behind: a small rotation, a ragged outline (a mask's edge
/// pixels dropped at random) and noise on the garment. Each image's
/// draws come from a generator seeded by the run's seed and the image's position in training, so
/// they do not depend on the thread count.
public struct Augmentation: Codable, Equatable, Sendable {
    /// Largest shift in pixels along each axis (zero fills what comes in).
    public var maxShift: Float = 0
    /// Largest relative change of size, e.g. 0.1 for 90%…110%.
    public var maxScale: Float = 0
    /// Mirror left–right with probability ½.
    public var mirror = false
    /// Largest tone lift for half of the images (see `lift`); 0 for none.
    public var tone: Float = 0
    /// Probability of erasing one rectangle of 2–20% of the image to zero.
    public var erasing: Float = 0
    /// Largest rotation in degrees, either way.
    public var maxRotation: Float = 0
    /// Probability of dropping each pixel of the outline (a pixel of the item next to background).
    public var ragged: Float = 0
    /// Standard deviation of the noise added to the item's pixels (in 0…1).
    public var noise: Float = 0

    public init(maxShift: Float = 0, maxScale: Float = 0, mirror: Bool = false, tone: Float = 0, erasing: Float = 0,
                maxRotation: Float = 0, ragged: Float = 0, noise: Float = 0) {
        self.maxShift = maxShift
        self.maxScale = maxScale
        self.mirror = mirror
        self.tone = tone
        self.erasing = erasing
        self.maxRotation = maxRotation
        self.ragged = ragged
        self.noise = noise
    }

    private enum CodingKeys: String, CodingKey { case maxShift, maxScale, mirror, tone, erasing, maxRotation, ragged, noise }

    /// Files from before `tone` (or the photo changes) existed have no such key: none of it.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(maxShift: try c.decode(Float.self, forKey: .maxShift), maxScale: try c.decode(Float.self, forKey: .maxScale),
                  mirror: try c.decode(Bool.self, forKey: .mirror), tone: try c.decodeIfPresent(Float.self, forKey: .tone) ?? 0,
                  erasing: try c.decode(Float.self, forKey: .erasing),
                  maxRotation: try c.decodeIfPresent(Float.self, forKey: .maxRotation) ?? 0,
                  ragged: try c.decodeIfPresent(Float.self, forKey: .ragged) ?? 0, noise: try c.decodeIfPresent(Float.self, forKey: .noise) ?? 0)
    }

    public var isIdentity: Bool {
        maxShift == 0 && maxScale == 0 && !mirror && tone == 0 && erasing == 0 && maxRotation == 0 && ragged == 0 && noise == 0
    }

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
        // Drawn only when asked for, so that runs without it keep their draws (and weights).
        if tone > 0 && random.nextUniform() < 0.5 {
            Self.lift(image, count: height * width, by: random.nextUniform() * tone)
        }
        let scale = 1 + (random.nextUniform() * 2 - 1) * maxScale
        let dx = (random.nextUniform() * 2 - 1) * maxShift, dy = (random.nextUniform() * 2 - 1) * maxShift
        let flip = mirror && random.nextUniform() < 0.5
        let angle = maxRotation > 0 ? (random.nextUniform() * 2 - 1) * maxRotation * .pi / 180 : 0
        if scale != 1 || dx != 0 || dy != 0 || flip || angle != 0 {
            Self.warp(image, height: height, width: width, scale: scale, dx: dx, dy: dy, mirror: flip, angle: angle, scratch: scratch)
        }
        if erasing > 0 && random.nextUniform() < erasing {
            let area = Float(height * width) * (0.02 + random.nextUniform() * 0.18)
            let aspect = exp(log(0.3) + random.nextUniform() * (log(3.3) - log(0.3)))
            let h = min(height, max(1, Int((area * aspect).squareRoot()))), w = min(width, max(1, Int((area / aspect).squareRoot())))
            let top = Int(random.next() % UInt64(height - h + 1)), left = Int(random.next() % UInt64(width - w + 1))
            for y in top ..< top + h { (image + y * width + left).update(repeating: 0, count: w) }
        }
        if ragged > 0 { Self.fray(image, height: height, width: width, probability: ragged, scratch: scratch, random: &random) }
        if noise > 0 {
            for i in 0 ..< height * width where image[i] > 0 { image[i] = min(1, max(0, image[i] + noise * random.nextNormal())) }
        }
    }

    /// Drops each outline pixel (of the item, with background left, right, above or below) with
    /// `probability`: the ragged edge a colour mask leaves on a real photo's garment.
    static func fray(_ image: UnsafeMutablePointer<Float>, height: Int, width: Int, probability: Float,
                     scratch: UnsafeMutablePointer<Float>, random: inout RandomSource) {
        scratch.update(from: image, count: height * width)
        func background(_ x: Int, _ y: Int) -> Bool { x < 0 || x >= width || y < 0 || y >= height || scratch[y * width + x] == 0 }
        for y in 0..<height {
            for x in 0..<width where scratch[y * width + x] > 0 {
                let outline = background(x - 1, y) || background(x + 1, y) || background(x, y - 1) || background(x, y + 1)
                if outline && random.nextUniform() < probability { image[y * width + x] = 0 }
            }
        }
    }

    /// The image of a darker item: Fashion-MNIST's pixels are the negated photo, so an item `k`
    /// times as light shows its pixels `v` (in 0…1) as `1 − k(1 − v)` = `a + (1 − a)·v` with
    /// `a = 1 − k` — a shirt's folds and prints fade into a flat silhouette, as in photos and
    /// cut-outs of dark clothes. Pixels under `edge` are the item's anti-aliased outline, partly
    /// background: they are lifted in proportion, which keeps the outline soft and the background 0.
    public static func lift(_ image: UnsafeMutablePointer<Float>, count: Int, by a: Float) {
        let edge: Float = 0.1
        for i in 0..<count where image[i] > 0 {
            let v = image[i]
            image[i] = v + a * (1 - v) * min(1, v / edge)
        }
    }

    /// Scales the image by `scale` and turns it by `angle` radians about its centre, mirrors it
    /// if asked, and shifts it by (`dx`, `dy`) pixels, reading the source bilinearly with zeros
    /// outside.
    public static func warp(_ image: UnsafeMutablePointer<Float>, height: Int, width: Int, scale: Float, dx: Float, dy: Float,
                            mirror: Bool, angle: Float = 0, scratch: UnsafeMutablePointer<Float>) {
        scratch.update(from: image, count: height * width)
        let cx = Float(width - 1) / 2, cy = Float(height - 1) / 2
        let cosine = cos(angle), sine = sin(angle)
        for y in 0..<height {
            for x in 0..<width {
                // The source point that lands on (x, y).
                let u = Float(x) - dx, v = Float(y) - dy
                var px = (mirror ? Float(width - 1) - u : u) - cx, py = v - cy
                if angle != 0 { (px, py) = (cosine * px + sine * py, cosine * py - sine * px) }
                image[y * width + x] = bilinear(scratch, height: height, width: width, x: cx + px / scale, y: cy + py / scale)
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
