import Foundation
func debug(_ s: @autoclosure () -> String) { if getenv("SEGDEBUG") != nil { FileHandle.standardError.write((s() + "\n").data(using: .utf8)!) } }

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
    public var clusters = 5
    /// The band along the border that shows the background, as a share of the shorter side.
    public var band: Float = 0.05
    /// The object's model starts from the middle of the photo, this share of each side in from the edge.
    public var inset: Float = 0.25
    /// The smallest spread of a colour cluster (ΔE), so that a flat background does not turn sensor
    /// noise into object.
    public var spreadFloor: Float = 4
    /// Rounds of learning both models again from the pixels they won.
    public var rounds = 3
    /// The radius of the neighbourhood over which the evidence is averaged, in pixels of the
    /// working copy.
    public var smoothing = 2
    /// The object must cover at least this share of the image, and at most `maximumArea`.
    public var minimumArea: Float = 0.02
    public var maximumArea: Float = 0.95

    public init() {}

    /// The object's mask, or nil when nothing sensible stands out from the border colours.
    public func mask(_ image: RGBImage) -> ObjectMask? {
        let w = image.width, h = image.height
        guard w >= 8 && h >= 8 else { return nil }
        let lab = LabImage(image).blurred(radius: 1)
        let depth = max(1, Int((band * Float(min(w, h))).rounded()))
        let left = Int(inset * Float(w)), top = Int(inset * Float(h))
        var border: [Int] = [], middle: [Int] = []
        for y in 0..<h {
            for x in 0..<w {
                if x < depth || y < depth || x >= w - depth || y >= h - depth { border.append(y * w + x) }
                if x >= left && x < w - left && y >= top && y < h - top { middle.append(y * w + x) }
            }
        }
        var background = ColourModel(lab, samples: border, clusters: clusters, spreadFloor: spreadFloor)
        var object = ColourModel(lab, samples: middle, clusters: clusters, spreadFloor: spreadFloor)
        var inside = [Bool](repeating: false, count: w * h)
        for round in 0...rounds {
            var evidence = [Float](repeating: 0, count: w * h)
            for i in evidence.indices { evidence[i] = object.logLikelihood(lab, i) - background.logLikelihood(lab, i) }
            evidence = BoxFilter.mean(evidence, width: w, height: h, radius: smoothing)
            inside = evidence.map { $0 > 0 }
            guard round < rounds else { break }
            let won = Self.subsample(inside.indices.filter { inside[$0] }), lost = Self.subsample(inside.indices.filter { !inside[$0] })
            guard won.count >= 16 && lost.count >= 16 else { break }
            object = ColourModel(lab, samples: won, clusters: clusters, spreadFloor: spreadFloor)
            background = ColourModel(lab, samples: lost, clusters: clusters, spreadFloor: spreadFloor)
        }
        var mask = ObjectMask(width: w, height: h, inside: inside)
        mask = mask.opened(radius: max(1, Int((Float(max(w, h)) / 100).rounded())))
        guard let component = mask.componentNearestCentre() else { return nil }
        mask = component.holesFilled()
        let area = Float(mask.area) / Float(w * h)
        debug("area \(area)")
        guard area >= minimumArea && area <= maximumArea else { return nil }
        return mask
    }

    /// At most about 4,000 of `indices`, evenly spaced: enough to learn colours from.
    private static func subsample(_ indices: [Int]) -> [Int] {
        let step = max(1, indices.count / 4000)
        return stride(from: 0, to: indices.count, by: step).map { indices[$0] }
    }
}

/// A mixture of round Gaussian colour clusters in CIELAB, learnt by k-means.
struct ColourModel {
    struct Cluster {
        var l: Float, a: Float, b: Float
        var count = 0
        /// ln(weight) − 3·ln(σ), the part of the log-density that does not depend on the colour.
        var offset: Float = 0
        /// 1 / (2σ²).
        var precision: Float = 0
    }

    private(set) var clusters: [Cluster] = []

    /// k-means over the samples' colours, started from a farthest-first traversal (from the sample
    /// nearest their mean) so that rare colours get clusters of their own, with small weights.
    init(_ lab: LabImage, samples: [Int], clusters k: Int, spreadFloor: Float) {
        guard !samples.isEmpty else { return }
        func squaredDistance(_ i: Int, _ c: Cluster) -> Float {
            let dl = lab.l[i] - c.l, da = lab.a[i] - c.a, db = lab.b[i] - c.b
            return dl * dl + da * da + db * db
        }
        var mean = Cluster(l: 0, a: 0, b: 0)
        for i in samples { mean.l += lab.l[i]; mean.a += lab.a[i]; mean.b += lab.b[i] }
        let n = Float(samples.count)
        mean.l /= n; mean.a /= n; mean.b /= n
        let first = samples.min { squaredDistance($0, mean) < squaredDistance($1, mean) }!
        var centres = [Cluster(l: lab.l[first], a: lab.a[first], b: lab.b[first])]
        var nearest = samples.map { squaredDistance($0, centres[0]) }
        while centres.count < k {
            let far = nearest.indices.max { nearest[$0] < nearest[$1] }!
            guard nearest[far] > spreadFloor * spreadFloor else { break }
            let s = samples[far]
            centres.append(Cluster(l: lab.l[s], a: lab.a[s], b: lab.b[s]))
            for (j, i) in samples.enumerated() { nearest[j] = min(nearest[j], squaredDistance(i, centres[centres.count - 1])) }
        }
        var assignment = [Int](repeating: 0, count: samples.count)
        for _ in 0..<6 {
            for (j, i) in samples.enumerated() {
                var best = 0, bestDistance = Float.infinity
                for c in centres.indices {
                    let d = squaredDistance(i, centres[c])
                    if d < bestDistance { bestDistance = d; best = c }
                }
                assignment[j] = best
            }
            var sums = [Cluster](repeating: Cluster(l: 0, a: 0, b: 0), count: centres.count)
            for (j, i) in samples.enumerated() {
                let c = assignment[j]
                sums[c].l += lab.l[i]; sums[c].a += lab.a[i]; sums[c].b += lab.b[i]
                sums[c].count += 1
            }
            for c in centres.indices where sums[c].count > 0 {
                let count = Float(sums[c].count)
                centres[c] = Cluster(l: sums[c].l / count, a: sums[c].a / count, b: sums[c].b / count, count: sums[c].count)
            }
        }
        var squares = [Float](repeating: 0, count: centres.count)
        for (j, i) in samples.enumerated() { squares[assignment[j]] += squaredDistance(i, centres[assignment[j]]) }
        for c in centres.indices where centres[c].count > 0 {
            // Per-axis variance of a round Gaussian: a third of the mean squared distance.
            let variance = max(spreadFloor * spreadFloor, squares[c] / Float(centres[c].count) / 3)
            centres[c].offset = logf(Float(centres[c].count) / n) - 1.5 * logf(variance)
            centres[c].precision = 1 / (2 * variance)
        }
        self.clusters = centres.filter { $0.count > 0 }
    }

    /// The log-density of pixel `i`'s colour, taking the best-fitting cluster for the mixture.
    func logLikelihood(_ lab: LabImage, _ i: Int) -> Float {
        var best = -Float.infinity
        for c in clusters {
            let dl = lab.l[i] - c.l, da = lab.a[i] - c.a, db = lab.b[i] - c.b
            best = max(best, c.offset - (dl * dl + da * da + db * db) * c.precision)
        }
        return best
    }
}

/// CIELAB (D65) planes of an sRGB image: L in 0...100, a and b roughly −128...127; Euclidean
/// distance here is close to how different two colours look (ΔE).
struct LabImage {
    var width: Int, height: Int
    var l: [Float], a: [Float], b: [Float]

    init(_ image: RGBImage) {
        width = image.width
        height = image.height
        let n = width * height
        l = [Float](repeating: 0, count: n); a = l; b = l
        let linear = Self.linearTable
        for i in 0..<n {
            let r = linear[Int(RGBImage.byte(image.red.pixels[i]))], g = linear[Int(RGBImage.byte(image.green.pixels[i]))]
            let bl = linear[Int(RGBImage.byte(image.blue.pixels[i]))]
            let x = Self.f((0.4124 * r + 0.3576 * g + 0.1805 * bl) / 0.95047)
            let y = Self.f(0.2126 * r + 0.7152 * g + 0.0722 * bl)
            let z = Self.f((0.0193 * r + 0.1192 * g + 0.9505 * bl) / 1.08883)
            l[i] = 116 * y - 16
            a[i] = 500 * (x - y)
            b[i] = 200 * (y - z)
        }
    }

    /// Each plane box-blurred over (2·radius + 1)², which evens out sensor noise and fine weave.
    func blurred(radius: Int) -> LabImage {
        var out = self
        out.l = BoxFilter.mean(l, width: width, height: height, radius: radius)
        out.a = BoxFilter.mean(a, width: width, height: height, radius: radius)
        out.b = BoxFilter.mean(b, width: width, height: height, radius: radius)
        return out
    }

    /// sRGB's transfer curve undone, for each 8-bit value.
    private static let linearTable: [Float] = (0..<256).map { v in
        let c = Float(v) / 255
        return c <= 0.04045 ? c / 12.92 : powf((c + 0.055) / 1.055, 2.4)
    }

    private static func f(_ t: Float) -> Float { t > 0.008856 ? cbrtf(t) : 7.787 * t + 16.0 / 116 }
}
