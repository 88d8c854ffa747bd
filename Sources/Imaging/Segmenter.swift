import Foundation

/// Finds the garment in a photo by its colour, before anything is made gray.
///
/// Fashion-MNIST's makers trimmed what matched the corner colours in RGB; real photos need more
/// (two-tone walls, patterned sheets, uneven light, a garment close in brightness to what it lies
/// on). This is GrabCut's idea (Rother et al. 2004) without its graph cut: two colour models in
/// CIELAB, where distance is close to how different colours look — the background's learnt from a
/// band along the border, the object's from the middle of the photo — and every pixel goes to the
/// model that explains its colour better, the evidence averaged over a small neighbourhood so that
/// texture and noise do not tear the mask; then both models are learnt again from the pixels they
/// won, a few times. A colour that is common in the middle and rare along the border (the garment
/// touching the edge) stays object. Thin structures (hanger hooks, strings) are opened away, the
/// object is the connected region at the centre or the largest, and its holes are filled.
public struct Segmenter: Sendable {
    /// Colour clusters in each model.
    public var clusters = 8
    /// The band along the border that shows the background, as a share of the shorter side.
    public var band: Float = 0.05
    /// The object's model starts from the middle of the photo, this share of each side in from the edge.
    public var inset: Float = 0.25
    /// The smallest spread of a colour cluster (ΔE), so that a flat background does not turn sensor
    /// noise into object.
    public var spreadFloor: Float = 12
    /// Rounds of learning both models again from the pixels they won.
    public var rounds = 3
    /// The radius of the neighbourhood over which the evidence is averaged, in pixels of the
    /// working copy.
    public var smoothing = 1
    /// The object must cover at least this share of the image, and at most `maximumArea`.
    public var minimumArea: Float = 0.02
    public var maximumArea: Float = 0.95

    public init() {}

    /// The object's mask, or nil when nothing sensible stands out from the border colours.
    public func mask(_ image: RGBImage) -> ObjectMask? {
        let w = image.width, h = image.height
        guard w >= 8 && h >= 8 else { return nil }
        let lab = LabImage(image).blurred(radius: 1)
        let (object, background) = models(lab.halved())
        let evidence = object.logLikelihoods(lab.pixels) - background.logLikelihoods(lab.pixels)
        let inside = BoxFilter.mean(evidence, width: w, height: h, radius: smoothing).map { $0 > 0 }
        var mask = ObjectMask(width: w, height: h, inside: inside)
        mask = mask.opened(radius: max(1, Int((Float(max(w, h)) / 100).rounded())))
        guard let component = mask.componentNearestCentre() else { return nil }
        mask = component.holesFilled()
        let area = Float(mask.area) / Float(w * h)
        guard area >= minimumArea && area <= maximumArea else { return nil }
        return mask
    }

    /// The object's and the background's colour models, learnt on `lab` (a coarse copy: the
    /// colours are all there, at a quarter of the cost): first from the middle and the border,
    /// then `rounds` times from the pixels each model won.
    private func models(_ lab: LabImage) -> (object: ColourModel, background: ColourModel) {
        let w = lab.width, h = lab.height
        let depth = max(1, Int((band * Float(min(w, h))).rounded()))
        let left = Int(inset * Float(w)), top = Int(inset * Float(h))
        var border: [Int] = [], middle: [Int] = []
        for y in 0..<h {
            for x in 0..<w {
                if x < depth || y < depth || x >= w - depth || y >= h - depth { border.append(y * w + x) }
                if x >= left && x < w - left && y >= top && y < h - top { middle.append(y * w + x) }
            }
        }
        var object = ColourModel(lab, samples: middle, clusters: clusters, spreadFloor: spreadFloor)
        var background = ColourModel(lab, samples: border, clusters: clusters, spreadFloor: spreadFloor)
        for _ in 0..<rounds {
            let evidence = object.logLikelihoods(lab.pixels) - background.logLikelihoods(lab.pixels)
            let inside = BoxFilter.mean(evidence, width: w, height: h, radius: max(1, smoothing / 2)).map { $0 > 0 }
            let won = inside.indices.filter { inside[$0] }, lost = inside.indices.filter { !inside[$0] }
            guard won.count >= 16 && lost.count >= 16 else { break }
            object = ColourModel(lab, samples: won, clusters: clusters, spreadFloor: spreadFloor)
            background = ColourModel(lab, samples: lost, clusters: clusters, spreadFloor: spreadFloor)
        }
        return (object, background)
    }
}

/// A mixture of round Gaussian colour clusters in CIELAB, learnt by k-means.
struct ColourModel {
    struct Cluster {
        var centre: SIMD4<Float>
        /// ln(weight) − 3·ln(σ), the part of the log-density that does not depend on the colour.
        var offset: Float = 0
        /// 1 / (2σ²).
        var precision: Float = 0
    }

    private(set) var clusters: [Cluster] = []

    /// k-means over the colours of pixels `samples`, started from a farthest-first traversal (from
    /// the sample nearest their mean) so that rare colours get clusters of their own, with small weights.
    init(_ lab: LabImage, samples: [Int], clusters k: Int, spreadFloor: Float) {
        guard !samples.isEmpty else { return }
        let colours = samples.map { lab.pixels[$0] }
        let n = Float(colours.count)
        let mean = colours.reduce(SIMD4<Float>(), +) / n
        let first = colours.min { Self.squaredDistance($0, mean) < Self.squaredDistance($1, mean) }!
        var centres = [first]
        var nearest = colours.map { Self.squaredDistance($0, first) }
        while centres.count < k {
            let far = nearest.indices.max { nearest[$0] < nearest[$1] }!
            guard nearest[far] > spreadFloor * spreadFloor else { break }
            centres.append(colours[far])
            for j in colours.indices { nearest[j] = min(nearest[j], Self.squaredDistance(colours[j], colours[far])) }
        }
        var counts = [Int](repeating: 0, count: centres.count)
        var squares = [Float](repeating: 0, count: centres.count)
        for iteration in 0..<5 {
            var sums = [SIMD4<Float>](repeating: SIMD4<Float>(), count: centres.count)
            counts = [Int](repeating: 0, count: centres.count)
            squares = [Float](repeating: 0, count: centres.count)
            Self.assign(colours, to: centres, sums: &sums, counts: &counts, squares: &squares)
            guard iteration < 4 else { break }
            for c in centres.indices where counts[c] > 0 { centres[c] = sums[c] / Float(counts[c]) }
        }
        for c in centres.indices where counts[c] > 0 {
            // Per-axis variance of a round Gaussian: a third of the mean squared distance.
            let variance = max(spreadFloor * spreadFloor, squares[c] / Float(counts[c]) / 3)
            clusters.append(Cluster(centre: centres[c], offset: logf(Float(counts[c]) / n) - 1.5 * logf(variance),
                                    precision: 1 / (2 * variance)))
        }
    }

    /// One k-means step's tallies: each colour's nearest centre, and per centre the sum of its
    /// colours, their count and their squared distances.
    private static func assign(_ colours: [SIMD4<Float>], to centres: [SIMD4<Float>], sums: inout [SIMD4<Float>],
                               counts: inout [Int], squares: inout [Float]) {
        colours.withUnsafeBufferPointer { colours in
            centres.withUnsafeBufferPointer { centres in
                sums.withUnsafeMutableBufferPointer { sums in
                    counts.withUnsafeMutableBufferPointer { counts in
                        squares.withUnsafeMutableBufferPointer { squares in
                            for colour in colours {
                                var best = 0, bestDistance = Float.infinity
                                for c in centres.indices {
                                    let d = squaredDistance(colour, centres[c])
                                    if d < bestDistance { bestDistance = d; best = c }
                                }
                                sums[best] += colour
                                counts[best] += 1
                                squares[best] += bestDistance
                            }
                        }
                    }
                }
            }
        }
    }

    /// The log-density of each colour, taking the best-fitting cluster for the mixture.
    func logLikelihoods(_ colours: [SIMD4<Float>]) -> [Float] {
        var out = [Float](repeating: -.infinity, count: colours.count)
        colours.withUnsafeBufferPointer { colours in
            out.withUnsafeMutableBufferPointer { out in
                for c in clusters {
                    for i in colours.indices {
                        out[i] = max(out[i], c.offset - Self.squaredDistance(colours[i], c.centre) * c.precision)
                    }
                }
            }
        }
        return out
    }

    private static func squaredDistance(_ x: SIMD4<Float>, _ y: SIMD4<Float>) -> Float {
        let d = x - y
        return (d * d).sum()
    }
}

/// CIELAB (D65) colours of an sRGB image, (L, a, b, 0) per pixel, row after row: L in 0...100,
/// a and b roughly −128...127; Euclidean distance here is close to how different two colours look (ΔE).
struct LabImage {
    var width: Int, height: Int
    var pixels: [SIMD4<Float>]

    init(width: Int, height: Int, pixels: [SIMD4<Float>]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    init(_ image: RGBImage) {
        width = image.width
        height = image.height
        let linear = Self.linearTable
        pixels = (0 ..< width * height).map { i in
            let r = linear[Int(RGBImage.byte(image.red.pixels[i]))], g = linear[Int(RGBImage.byte(image.green.pixels[i]))]
            let b = linear[Int(RGBImage.byte(image.blue.pixels[i]))]
            let x = Self.f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047)
            let y = Self.f(0.2126 * r + 0.7152 * g + 0.0722 * b)
            let z = Self.f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)
            return SIMD4(116 * y - 16, 500 * (x - y), 200 * (y - z), 0)
        }
    }

    /// Each channel box-blurred over (2·radius + 1)², which evens out sensor noise and fine weave.
    func blurred(radius: Int) -> LabImage {
        var out = self
        for channel in 0..<3 {
            let plane = BoxFilter.mean(pixels.map { $0[channel] }, width: width, height: height, radius: radius)
            for i in plane.indices { out.pixels[i][channel] = plane[i] }
        }
        return out
    }

    /// Half the width and height (rounded down), each pixel the mean of a 2×2 block.
    func halved() -> LabImage {
        let w = max(1, width / 2), h = max(1, height / 2)
        var out = LabImage(width: w, height: h, pixels: [SIMD4<Float>](repeating: SIMD4<Float>(), count: w * h))
        for y in 0..<h {
            for x in 0..<w {
                let i = 2 * y * width + 2 * x
                out.pixels[y * w + x] = (pixels[i] + pixels[i + 1] + pixels[i + width] + pixels[i + width + 1]) / 4
            }
        }
        return out
    }

    /// sRGB's transfer curve undone, for each 8-bit value.
    private static let linearTable: [Float] = (0..<256).map { v in
        let c = Float(v) / 255
        return c <= 0.04045 ? c / 12.92 : powf((c + 0.055) / 1.055, 2.4)
    }

    /// CIELAB's f(t) = ∛t (linear near 0), from a table over 0...1 with linear interpolation:
    /// within 0.0005 of the exact value (0.05 in L), far below what segmentation resolves.
    private static func f(_ t: Float) -> Float {
        let position = max(0, min(1, t)) * Float(cubeRootTable.count - 2)
        let i = Int(position)
        return cubeRootTable[i] + (cubeRootTable[i + 1] - cubeRootTable[i]) * (position - Float(i))
    }

    private static let cubeRootTable: [Float] = (0...1024).map { i in
        let t = Float(i) / 1023
        return t > 0.008856 ? cbrtf(t) : 7.787 * t + 16.0 / 116
    }
}

private func - (a: [Float], b: [Float]) -> [Float] { zip(a, b).map { $0 - $1 } }
