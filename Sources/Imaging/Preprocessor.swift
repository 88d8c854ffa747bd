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
    /// as a share of 255 of the brightest object pixel (or four times the noise, if more).
    public var trimTolerance: Float = 10
    public var side = 28
    /// Photos are segmented on a copy whose longer side is at most this many pixels.
    public var workingSide = 128
    public var segmenter = Segmenter()
    /// An opaque photo whose border is this even — the spread around the plane fitted to it, in
    /// levels of 255 — is a product shot on a seamless background, the kind Fashion-MNIST was
    /// made from, and takes the gray path built for it: the garment's faint parts, which colour
    /// clusters give to a background that close, stay in. Phone photos of beds, floors and walls
    /// are rarely that even (11 of the 3,068 real photos the project is measured on).
    public var plainBackgroundNoise: Float = 3
    /// How much of a segmented garment's fitted input is its Gaussian blur (σ = 1 input pixel):
    /// the mask cuts the garment out with a hard edge and keeps every fold sharp, where
    /// Fashion-MNIST's garments, downscaled from soft-edged product photos, fade into the
    /// background. Chosen on the tune half of the real photos (0: 60.0%, 0.3: 61.4%, 0.6: 62.7%,
    /// 0.8: 62.5%, 1: 60.8%; sharpening instead, as Fashion-MNIST's makers did to their photos,
    /// lost 3 to 8 points). Not for transparent cut-outs, whose alpha gives the outline as
    /// drawn: softened, the photo-like cut-outs of validation images lost 0.5 to 2 points.
    public var softening: Float = 0.6

    /// The longer side beyond which a larger image adds nothing: photos are segmented at
    /// `workingSide`, and the gray path keeps four source pixels per input pixel.
    public var sufficientLongSide: Int { max(workingSide, 4 * side) }

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
        // The object's brightness above the background, with the noise floor at 0.
        let plane = Background(fittedTo: image)
        let floor = 3 * plane.noise
        for y in 0..<image.height {
            for x in 0..<image.width {
                let signal = image[x, y] - plane.level(x, y)
                image[x, y] = signal > floor ? signal : 0
            }
        }
        let peak = image.pixels.max() ?? 0
        let threshold = max(trimTolerance * peak / 255, 4 * plane.noise)
        let box = objectBox(image, threshold: threshold) ?? (0, 0, image.width, image.height)
        return fitted(image.cropped(x: box.0, y: box.1, width: box.2, height: box.3))
    }

    /// The network input for a decoded image. A product shot on an even background takes the
    /// gray path of `process(_: GrayImage)`; other photos are segmented in colour: the garment
    /// keeps its own luma (negated, as Fashion-MNIST's garments are) and everything else becomes
    /// exactly 0. Where segmentation finds nothing sensible, the gray path answers instead, and
    /// the result says so.
    public func process(_ image: DecodedImage) -> PreparedInput {
        let alreadySized = image.width == side && image.height == side
        guard mode == .fashion, !alreadySized else { return PreparedInput(pixels: process(GrayImage(image))) }
        let gray = GrayImage(image)
        if !image.layout.hasAlpha && Background(fittedTo: gray).noise <= plainBackgroundNoise {
            return PreparedInput(pixels: process(gray))
        }
        let colour = RGBImage(image, longSide: workingSide)
        guard let mask = segmenter.mask(colour) else {
            return PreparedInput(pixels: process(gray), photo: colour, mask: nil)
        }
        // Fashion-MNIST negated its light backgrounds, so its garments are their luma negated.
        let invert = polarity != .never
        var luma = colour.luma
        var histogram = [Int](repeating: 0, count: 256)
        for i in luma.pixels.indices {
            if invert { luma.pixels[i] = 255 - luma.pixels[i] }
            if mask.inside[i] { histogram[Int(RGBImage.byte(luma.pixels[i]))] += 1 }
        }
        // The garment's own range stretched to the whole scale, its extremes (a logo's highlight,
        // a seam's shadow) clipped; outside it, exactly 0.
        let low = Float(Self.percentile(histogram, 0.02)), high = max(low + 1, Float(Self.percentile(histogram, 0.995)))
        for i in luma.pixels.indices {
            luma.pixels[i] = mask.inside[i] ? 255 * min(1, max(0, (luma.pixels[i] - low) / (high - low))) : 0
        }
        let box = mask.boundingBox!
        return PreparedInput(pixels: fitted(luma.cropped(x: box.x, y: box.y, width: box.width, height: box.height),
                                             softening: image.layout.hasAlpha ? 0 : softening),
                             photo: colour, mask: mask)
    }

    /// The object scaled so that its longest edge is `side`, `softening` of it blurred, brightest
    /// pixel 255, centred on a black `side × side` canvas.
    private func fitted(_ object: GrayImage, softening: Float = 0) -> [UInt8] {
        let scale = Double(side) / Double(max(object.width, object.height))
        let w = max(1, min(side, Int((Double(object.width) * scale).rounded())))
        let h = max(1, min(side, Int((Double(object.height) * scale).rounded())))
        var fitted = object.resized(width: w, height: h)
        if softening > 0 {
            let blurred = fitted.gaussianBlurred()
            for i in fitted.pixels.indices { fitted.pixels[i] += softening * (blurred.pixels[i] - fitted.pixels[i]) }
        }
        // The brightest pixel to 255, as in the data set; measured after resizing, which
        // averages away the noise that would make single pixels the brightest.
        let brightest = fitted.pixels.max() ?? 0
        if brightest > 1 { fitted.pixels = fitted.pixels.map { $0 * 255 / brightest } }
        var canvas = GrayImage(width: side, height: side, pixels: [Float](repeating: 0, count: side * side))
        // Odd leftovers go to the top and left, as in Fashion-MNIST (about 20 to 1 in t10k).
        let left = (side - w + 1) / 2, top = (side - h + 1) / 2
        for y in 0..<h {
            for x in 0..<w { canvas[left + x, top + y] = fitted[x, y] }
        }
        return Self.bytes(canvas.pixels)
    }

    /// The smallest value at or below which `share` of a histogram's counts lie.
    static func percentile(_ histogram: [Int], _ share: Double) -> Int {
        let target = share * Double(histogram.reduce(0, +))
        var below = 0
        for (value, count) in histogram.enumerated() {
            below += count
            if Double(below) >= target && below > 0 { return value }
        }
        return histogram.count - 1
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

    /// The bounding box (x, y, width, height) of the pixels brighter than `threshold` that have at
    /// least two such neighbours, or nil when there are none: isolated specks of sensor noise,
    /// dust or compression ringing do not stretch the box, thin straps and strings still count.
    private func objectBox(_ image: GrayImage, threshold: Float) -> (Int, Int, Int, Int)? {
        let w = image.width, h = image.height
        let bright = image.pixels.map { $0 > threshold }
        var minX = w, minY = h, maxX = -1, maxY = -1
        for y in 0..<h {
            for x in 0..<w where bright[y * w + x] {
                var neighbours = 0
                for ny in max(0, y - 1) ... min(h - 1, y + 1) {
                    for nx in max(0, x - 1) ... min(w - 1, x + 1) where bright[ny * w + nx] { neighbours += 1 }
                }
                guard neighbours >= 3 || w * h <= 4 else { continue }  // itself and two more
                minX = min(minX, x); maxX = max(maxX, x)
                minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        return maxX < 0 ? nil : (minX, minY, maxX - minX + 1, maxY - minY + 1)
    }

    /// The background of a photo (after any inversion): a plane fitted
    /// to the outermost ring of pixels, since lighting often falls off across a shot, and the
    /// spread of the ring around it, which is the sensor's noise. Ring pixels far from the ring's
    /// median — the object touching the edge — are left out of the fit.
    struct Background {
        private var mean: Float = 0, slopeX: Float = 0, slopeY: Float = 0
        private let centreX: Float, centreY: Float
        private(set) var noise: Float = 0

        init(fittedTo image: GrayImage) {
            centreX = Float(image.width - 1) / 2
            centreY = Float(image.height - 1) / 2
            var ring: [(x: Float, y: Float, value: Float)] = []
            func add(_ x: Int, _ y: Int) { ring.append((Float(x) - centreX, Float(y) - centreY, image[x, y])) }
            for x in 0..<image.width {
                add(x, 0)
                if image.height > 1 { add(x, image.height - 1) }
            }
            for y in 1 ..< max(1, image.height - 1) {
                add(0, y)
                if image.width > 1 { add(image.width - 1, y) }
            }
            // Start from the ring's median, which up to half of the ring may be object without
            // moving; fit the plane to the pixels near it.
            let values = ring.map(\.value).sorted()
            mean = values[values.count / 2]
            let deviation = Self.robustDeviation(values.map { $0 - mean })
            let inliers = ring.filter { abs($0.value - mean) <= 3 * deviation + 2 }
            if inliers.count >= 3 { fit(inliers) }
            noise = Self.robustDeviation(inliers.map { $0.value - level($0.x, $0.y) })
        }

        /// The background level at pixel (x, y).
        func level(_ x: Int, _ y: Int) -> Float { level(Float(x) - centreX, Float(y) - centreY) }

        private func level(_ x: Float, _ y: Float) -> Float { mean + slopeX * x + slopeY * y }

        /// Least squares for `mean + slopeX·x + slopeY·y` (x, y from the centre).
        private mutating func fit(_ points: [(x: Float, y: Float, value: Float)]) {
            var sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0, sv = 0.0, sxv = 0.0, syv = 0.0
            for p in points {
                let x = Double(p.x), y = Double(p.y), v = Double(p.value)
                sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; sv += v; sxv += x * v; syv += y * v
            }
            let n = Double(points.count)
            let matrix = [[n, sx, sy], [sx, sxx, sxy], [sy, sxy, syy]], right = [sv, sxv, syv]
            func determinant(_ m: [[Double]]) -> Double {
                m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                    + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
            }
            let d = determinant(matrix)
            guard abs(d) > 1e-9 else {
                mean = Float(sv / max(n, 1)); slopeX = 0; slopeY = 0
                return
            }
            // Cramer's rule: each unknown's column replaced by the right-hand side.
            let solution = (0..<3).map { column in
                determinant(matrix.enumerated().map { row, values in
                    values.enumerated().map { $0.offset == column ? right[row] : $0.element }
                }) / d
            }
            mean = Float(solution[0]); slopeX = Float(solution[1]); slopeY = Float(solution[2])
        }

        /// 1.4826 × the median absolute deviation: the standard deviation of Gaussian noise,
        /// unmoved by a few outliers.
        private static func robustDeviation(_ residuals: [Float]) -> Float {
            guard !residuals.isEmpty else { return 0 }
            let sorted = residuals.map(abs).sorted()
            return 1.4826 * sorted[sorted.count / 2]
        }
    }

    static func bytes(_ values: [Float]) -> [UInt8] { values.map { UInt8(max(0, min(255, $0.rounded()))) } }
}

/// What preprocessing made of one image: the network input and, for a segmented photo, the
/// downscaled photo with the garment's mask.
public struct PreparedInput: Sendable {
    /// The `side × side` network input, row after row.
    public var pixels: [UInt8]
    /// The photo as segmentation saw it, when it ran.
    public var photo: RGBImage?
    /// The object segmentation found, nil where it found none (or did not run).
    public var mask: ObjectMask?

    public init(pixels: [UInt8], photo: RGBImage? = nil, mask: ObjectMask? = nil) {
        self.pixels = pixels
        self.photo = photo
        self.mask = mask
    }

    /// A photo of a garment on a background colour segmentation had to tell it from — not a
    /// crop, nor a product shot on an even background, the kind Fashion-MNIST was made from: its
    /// answer takes the flag's rules for photos.
    public var isPhoto: Bool { photo != nil }

    /// Segmentation ran and found nothing sensible, so the input came from the gray path.
    public var segmentationFailed: Bool { photo != nil && mask == nil }
}
