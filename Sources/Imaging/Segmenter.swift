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
        let colours = ColourPlanes(lab.pixels)
        let evidence = colours.logLikelihoods(object) - colours.logLikelihoods(background)
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
        let colours = ColourPlanes(lab.pixels)
        var object = ColourModel(lab, samples: middle, clusters: clusters, spreadFloor: spreadFloor)
        var background = ColourModel(lab, samples: border, clusters: clusters, spreadFloor: spreadFloor)
        for _ in 0..<rounds {
            let evidence = colours.logLikelihoods(object) - colours.logLikelihoods(background)
            let inside = BoxFilter.mean(evidence, width: w, height: h, radius: max(1, smoothing / 2)).map { $0 > 0 }
            let won = inside.indices.filter { inside[$0] }, lost = inside.indices.filter { !inside[$0] }
            guard won.count >= 16 && lost.count >= 16 else { break }
            object = ColourModel(lab, samples: won, clusters: clusters, spreadFloor: spreadFloor)
            background = ColourModel(lab, samples: lost, clusters: clusters, spreadFloor: spreadFloor)
        }
        return (object, background)
    }
}

private func - (a: [Float], b: [Float]) -> [Float] { zip(a, b).map { $0 - $1 } }
