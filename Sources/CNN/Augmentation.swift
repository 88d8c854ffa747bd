import Foundation

/// Random changes to training images that keep their class: a small scale change and shift (what
/// preprocessing of real photos leaves behind), an optional mirror image, a darker tone (the same
/// item in a darker colour), random erasing of a rectangle (Zhong et al., 2017), and what
/// photographing and segmenting a real garment leaves behind: a small rotation, a slant
/// (keystone), the item partly out of the picture, a strip of background kept beside it, a ragged
/// outline (a mask's edge pixels dropped at random), noise on the garment and a softened image
/// (as preprocessing softens segmented photos). Each image's
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
    /// Largest blend of half of the images with their Gaussian blur (σ = 1 pixel), the softening
    /// that preprocessing gives segmented photos (0.6 there).
    public var blur: Float = 0
    /// Largest keystone: one edge of the image (top, bottom, left or right) narrowed or widened
    /// by up to this fraction, the opposite one the other way, as a garment photographed at a slant.
    public var perspective: Float = 0
    /// Probability of cutting 15–35% of the item off at one side and fitting what is left to the
    /// item's old size, as preprocessing does with a garment partly out of the photo.
    public var cut: Float = 0
    /// Probability of keeping a strip of background (gray 0.1–0.5, 2–5 pixels wide) beside one
    /// side of the item, as a colour mask that took in part of the bed or floor leaves it.
    public var background: Float = 0

    public init(maxShift: Float = 0, maxScale: Float = 0, mirror: Bool = false, tone: Float = 0, erasing: Float = 0,
                maxRotation: Float = 0, ragged: Float = 0, noise: Float = 0, blur: Float = 0, perspective: Float = 0,
                cut: Float = 0, background: Float = 0) {
        self.maxShift = maxShift
        self.maxScale = maxScale
        self.mirror = mirror
        self.tone = tone
        self.erasing = erasing
        self.maxRotation = maxRotation
        self.ragged = ragged
        self.noise = noise
        self.blur = blur
        self.perspective = perspective
        self.cut = cut
        self.background = background
    }

    private enum CodingKeys: String, CodingKey {
        case maxShift, maxScale, mirror, tone, erasing, maxRotation, ragged, noise, blur, perspective, cut, background
    }

    /// Files from before `tone` (or the photo changes) existed have no such key: none of it.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func optional(_ key: CodingKeys) throws -> Float { try c.decodeIfPresent(Float.self, forKey: key) ?? 0 }
        self.init(maxShift: try c.decode(Float.self, forKey: .maxShift), maxScale: try c.decode(Float.self, forKey: .maxScale),
                  mirror: try c.decode(Bool.self, forKey: .mirror), tone: try optional(.tone),
                  erasing: try c.decode(Float.self, forKey: .erasing), maxRotation: try optional(.maxRotation),
                  ragged: try optional(.ragged), noise: try optional(.noise), blur: try optional(.blur),
                  perspective: try optional(.perspective), cut: try optional(.cut), background: try optional(.background))
    }

    public var isIdentity: Bool { self == Augmentation() }

    /// What is out of range, or nil: the command line and a checkpoint's state are held to it.
    public var problem: String? {
        let probabilities = [("a tone", tone), ("an erasing probability", erasing), ("a ragged probability", ragged),
                             ("a noise", noise), ("a blur", blur), ("a cut probability", cut), ("a background probability", background)]
        guard maxShift.isFinite, (0...14).contains(maxShift) else { return "a shift of 0–14 pixels (not \(maxShift))" }
        guard maxScale.isFinite, (0..<1).contains(maxScale) else { return "a scale in [0, 1) (not \(maxScale))" }
        guard maxRotation.isFinite, (0...45).contains(maxRotation) else { return "a rotation of 0–45 degrees (not \(maxRotation))" }
        guard perspective.isFinite, (0...0.5).contains(perspective) else { return "a perspective in [0, 0.5] (not \(perspective))" }
        if let (name, value) = probabilities.first(where: { !$0.1.isFinite || !(0...1).contains($0.1) }) {
            return "\(name) in [0, 1] (not \(value))"
        }
        return nil
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
        if cut > 0 && random.nextUniform() < cut {
            Self.cut(image, height: height, width: width, side: Int(random.next() % 4), fraction: 0.15 + random.nextUniform() * 0.2,
                     scratch: scratch)
        }
        if tone > 0 && random.nextUniform() < 0.5 {
            Self.lift(image, count: height * width, by: random.nextUniform() * tone)
        }
        let scale = 1 + (random.nextUniform() * 2 - 1) * maxScale
        let dx = (random.nextUniform() * 2 - 1) * maxShift, dy = (random.nextUniform() * 2 - 1) * maxShift
        let flip = mirror && random.nextUniform() < 0.5
        let angle = maxRotation > 0 ? (random.nextUniform() * 2 - 1) * maxRotation * .pi / 180 : 0
        var keystone = Keystone()
        if perspective > 0 {
            let amount = (random.nextUniform() * 2 - 1) * perspective
            if random.nextUniform() < 0.5 { keystone.rows = amount } else { keystone.columns = amount }
        }
        if scale != 1 || dx != 0 || dy != 0 || flip || angle != 0 || keystone != Keystone() {
            Self.warp(image, height: height, width: width, scale: scale, dx: dx, dy: dy, mirror: flip, angle: angle,
                      keystone: keystone, scratch: scratch)
        }
        if erasing > 0 && random.nextUniform() < erasing {
            let area = Float(height * width) * (0.02 + random.nextUniform() * 0.18)
            let aspect = exp(log(0.3) + random.nextUniform() * (log(3.3) - log(0.3)))
            let h = min(height, max(1, Int((area * aspect).squareRoot()))), w = min(width, max(1, Int((area / aspect).squareRoot())))
            let top = Int(random.next() % UInt64(height - h + 1)), left = Int(random.next() % UInt64(width - w + 1))
            for y in top ..< top + h { (image + y * width + left).update(repeating: 0, count: w) }
        }
        if background > 0 && random.nextUniform() < background {
            Self.keepBackground(image, height: height, width: width, side: Int(random.next() % 4),
                                thickness: 2 + Int(random.next() % 4), length: 0.4 + random.nextUniform() * 0.6,
                                gray: 0.1 + random.nextUniform() * 0.4)
        }
        if ragged > 0 { Self.fray(image, height: height, width: width, probability: ragged, scratch: scratch, random: &random) }
        if noise > 0 {
            for i in 0 ..< height * width where image[i] > 0 { image[i] = min(1, max(0, image[i] + noise * random.nextNormal())) }
        }
        if blur > 0 && random.nextUniform() < 0.5 {
            Self.soften(image, height: height, width: width, by: random.nextUniform() * blur, scratch: scratch)
        }
    }

    /// The box `x0...x1` × `y0...y1` of the pixels above zero, or nil for an empty image.
    static func itemBox(_ image: UnsafePointer<Float>, height: Int, width: Int) -> (x0: Int, x1: Int, y0: Int, y1: Int)? {
        var box: (x0: Int, x1: Int, y0: Int, y1: Int)?
        for y in 0..<height {
            for x in 0..<width where image[y * width + x] > 0 {
                box = box.map { (min($0.x0, x), max($0.x1, x), min($0.y0, y), max($0.y1, y)) } ?? (x, x, y, y)
            }
        }
        return box
    }

    /// Zeroes `fraction` of the item's box at one side (0 left, 1 right, 2 top, 3 bottom), then
    /// scales what is left about its own centre back to the old box's longer side (at most 1.6
    /// times) and moves it to the old box's centre: a garment partly out of the photo, fitted as
    /// preprocessing fits it.
    public static func cut(_ image: UnsafeMutablePointer<Float>, height: Int, width: Int, side: Int, fraction: Float,
                           scratch: UnsafeMutablePointer<Float>) {
        guard let old = itemBox(image, height: height, width: width) else { return }
        let across = side < 2 ? old.x1 - old.x0 + 1 : old.y1 - old.y0 + 1
        let band = max(1, Int(Float(across) * fraction))
        for y in old.y0...old.y1 {
            for x in old.x0...old.x1 {
                let inBand = switch side {
                case 0: x < old.x0 + band
                case 1: x > old.x1 - band
                case 2: y < old.y0 + band
                default: y > old.y1 - band
                }
                if inBand { image[y * width + x] = 0 }
            }
        }
        guard let new = itemBox(image, height: height, width: width) else { return }
        let longer = { (b: (x0: Int, x1: Int, y0: Int, y1: Int)) in Float(max(b.x1 - b.x0, b.y1 - b.y0) + 1) }
        let scale = min(1.6, longer(old) / longer(new))
        let cx = Float(width - 1) / 2, cy = Float(height - 1) / 2
        let oldCentre = (x: Float(old.x0 + old.x1) / 2, y: Float(old.y0 + old.y1) / 2)
        let newCentre = (x: Float(new.x0 + new.x1) / 2, y: Float(new.y0 + new.y1) / 2)
        warp(image, height: height, width: width, scale: scale, dx: oldCentre.x - cx - (newCentre.x - cx) * scale,
             dy: oldCentre.y - cy - (newCentre.y - cy) * scale, mirror: false, scratch: scratch)
    }

    /// Fills a strip `thickness` pixels wide just outside one side of the item's box (0 left,
    /// 1 right, 2 top, 3 bottom), centred along it and `length` of its extent long, with `gray`
    /// wherever the image is background: what a colour mask keeps of a bed or floor beside a garment.
    public static func keepBackground(_ image: UnsafeMutablePointer<Float>, height: Int, width: Int, side: Int,
                                      thickness: Int, length: Float, gray: Float) {
        guard let box = itemBox(image, height: height, width: width) else { return }
        let along = side < 2 ? (box.y0, box.y1) : (box.x0, box.x1)
        let extent = along.1 - along.0 + 1, strip = max(1, Int(Float(extent) * length))
        let start = along.0 + (extent - strip) / 2
        let (xs, ys): (Range<Int>, Range<Int>) = switch side {
        case 0: (box.x0 - thickness ..< box.x0, start ..< start + strip)
        case 1: (box.x1 + 1 ..< box.x1 + 1 + thickness, start ..< start + strip)
        case 2: (start ..< start + strip, box.y0 - thickness ..< box.y0)
        default: (start ..< start + strip, box.y1 + 1 ..< box.y1 + 1 + thickness)
        }
        for y in ys.clamped(to: 0..<height) {
            for x in xs.clamped(to: 0..<width) where image[y * width + x] == 0 { image[y * width + x] = gray }
        }
    }

    /// e^(−k²/2) for k = −2…2: a Gaussian of σ = 1 pixel, made once rather than per image.
    private static let gaussianTaps: [Float] = [-2, -1, 0, 1, 2].map { exp(-$0 * $0 / 2) }

    /// Blends `blend` of the image with its Gaussian blur (σ = 1 pixel, taps at ±2, edges
    /// repeated), the blur preprocessing softens segmented photos with.
    public static func soften(_ image: UnsafeMutablePointer<Float>, height: Int, width: Int, by blend: Float,
                              scratch: UnsafeMutablePointer<Float>) {
        let (taps, total) = (gaussianTaps, gaussianTaps.reduce(0, +))
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0
                for (k, tap) in taps.enumerated() { sum += tap * image[y * width + min(width - 1, max(0, x + k - 2))] }
                scratch[y * width + x] = sum / total
            }
        }
        for y in 0..<height {
            for x in 0..<width {
                var sum: Float = 0
                for (k, tap) in taps.enumerated() { sum += tap * scratch[min(height - 1, max(0, y + k - 2)) * width + x] }
                image[y * width + x] += blend * (sum / total - image[y * width + x])
            }
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

    /// A slant: each row's width changes by `rows` × its height from the centre (−1 at the top,
    /// 1 at the bottom), or each column's height by `columns` × its distance across.
    public struct Keystone: Equatable, Sendable {
        public var rows: Float = 0
        public var columns: Float = 0
        public init(rows: Float = 0, columns: Float = 0) {
            self.rows = rows
            self.columns = columns
        }
    }

    /// Scales the image by `scale` and turns it by `angle` radians about its centre, slants it by
    /// `keystone`, mirrors it if asked, and shifts it by (`dx`, `dy`) pixels, reading the source
    /// bilinearly with zeros outside.
    public static func warp(_ image: UnsafeMutablePointer<Float>, height: Int, width: Int, scale: Float, dx: Float, dy: Float,
                            mirror: Bool, angle: Float = 0, keystone: Keystone = Keystone(), scratch: UnsafeMutablePointer<Float>) {
        scratch.update(from: image, count: height * width)
        let cx = Float(width - 1) / 2, cy = Float(height - 1) / 2
        let cosine = cos(angle), sine = sin(angle)
        for y in 0..<height {
            for x in 0..<width {
                // The source point that lands on (x, y).
                let u = Float(x) - dx, v = Float(y) - dy
                var px = (mirror ? Float(width - 1) - u : u) - cx, py = v - cy
                if keystone.rows != 0 { px /= 1 + keystone.rows * (Float(y) - cy) / max(cy, 1) }
                if keystone.columns != 0 { py /= 1 + keystone.columns * (Float(x) - cx) / max(cx, 1) }
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
