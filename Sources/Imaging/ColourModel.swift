import Foundation

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
        let planes = ColourPlanes(colours)
        let n = Float(colours.count)
        let mean = colours.reduce(SIMD4<Float>(), +) / n
        let first = colours.min { Self.squaredDistance($0, mean) < Self.squaredDistance($1, mean) }!
        var centres = [first]
        var nearest = planes.squaredDistances(to: first)
        while centres.count < k {
            let far = nearest[..<colours.count].indices.max { nearest[$0] < nearest[$1] }!
            guard nearest[far] > spreadFloor * spreadFloor else { break }
            centres.append(colours[far])
            planes.lower(&nearest, toDistancesFrom: colours[far])
        }
        var counts = [Int](repeating: 0, count: centres.count)
        var squares = [Float](repeating: 0, count: centres.count)
        var assignment = planes.assignment()
        for iteration in 0..<5 {
            let moved = planes.assign(&assignment, to: centres)
            var sums = [SIMD4<Float>](repeating: SIMD4<Float>(), count: centres.count)
            counts = [Int](repeating: 0, count: centres.count)
            squares = [Float](repeating: 0, count: centres.count)
            for (i, colour) in colours.enumerated() {
                let c = Int(assignment.centre[i])
                sums[c] += colour
                counts[c] += 1
                squares[c] += assignment.distance[i]
            }
            // No colour changed cluster: the means are the centres already, and further steps would repeat this one.
            guard iteration < 4 && moved else { break }
            for c in centres.indices where counts[c] > 0 { centres[c] = sums[c] / Float(counts[c]) }
        }
        for c in centres.indices where counts[c] > 0 {
            // Per-axis variance of a round Gaussian: a third of the mean squared distance.
            let variance = max(spreadFloor * spreadFloor, squares[c] / Float(counts[c]) / 3)
            clusters.append(Cluster(centre: centres[c], offset: logf(Float(counts[c]) / n) - 1.5 * logf(variance),
                                    precision: 1 / (2 * variance)))
        }
    }

    static func squaredDistance(_ x: SIMD4<Float>, _ y: SIMD4<Float>) -> Float {
        let d = x - y
        return (d * d).sum()
    }
}

/// Colours as planes of L, a and b, padded to whole vectors of eight, so that distances to a
/// centre are measured eight colours at a time. Each lane computes exactly what
/// `ColourModel.squaredDistance` computes for its colour; lanes past the last colour are padding.
struct ColourPlanes {
    typealias Vector = SIMD8<Float>
    let count: Int
    private var l: [Float], a: [Float], b: [Float]

    init(_ colours: [SIMD4<Float>]) {
        count = colours.count
        let padded = (count + 7) / 8 * 8
        l = [Float](repeating: 0, count: padded)
        a = l
        b = l
        for (i, colour) in colours.enumerated() {
            l[i] = colour[0]
            a[i] = colour[1]
            b[i] = colour[2]
        }
    }

    /// Vectors of eight lanes in a padded plane.
    var vectors: Int { l.count / 8 }

    /// `body(v, distances)` for each vector `v`, with the squared distances of its eight colours to `centre`.
    func forEachVector(distancesTo centre: SIMD4<Float>, _ body: (Int, Vector) -> Void) {
        l.withUnsafeBufferPointer { l in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    for v in 0..<vectors {
                        let dl = Self.load(l, v) - centre[0], da = Self.load(a, v) - centre[1], db = Self.load(b, v) - centre[2]
                        body(v, dl * dl + da * da + db * db)
                    }
                }
            }
        }
    }

    static func load<Scalar: SIMDScalar>(_ plane: UnsafeBufferPointer<Scalar>, _ v: Int) -> SIMD8<Scalar> {
        UnsafeRawPointer(plane.baseAddress! + 8 * v).loadUnaligned(as: SIMD8<Scalar>.self)
    }

    static func store<Scalar: SIMDScalar>(_ vector: SIMD8<Scalar>, _ plane: UnsafeMutableBufferPointer<Scalar>, _ v: Int) {
        UnsafeMutableRawPointer(plane.baseAddress! + 8 * v).storeBytes(of: vector, as: SIMD8<Scalar>.self)
    }

    /// A plane of values, one per colour plus padding.
    func plane<Scalar: SIMDScalar>(_ value: Scalar) -> [Scalar] { [Scalar](repeating: value, count: l.count) }

    /// Each colour's squared distance to `centre`.
    func squaredDistances(to centre: SIMD4<Float>) -> [Float] {
        var out = plane(Float(0))
        out.withUnsafeMutableBufferPointer { out in forEachVector(distancesTo: centre) { Self.store($1, out, $0) } }
        return out
    }

    /// Each of `nearest` lowered to the colour's squared distance from `centre` where that is smaller.
    func lower(_ nearest: inout [Float], toDistancesFrom centre: SIMD4<Float>) {
        nearest.withUnsafeMutableBufferPointer { nearest in
            forEachVector(distancesTo: centre) { v, d in
                var lowest = Self.load(UnsafeBufferPointer(nearest), v)
                lowest.replace(with: d, where: d .< lowest)
                Self.store(lowest, nearest, v)
            }
        }
    }

    /// Each colour's nearest centre (the first of equally near ones) and its squared distance.
    struct Assignment {
        var centre: [Int32]
        var distance: [Float]
    }

    func assignment() -> Assignment { Assignment(centre: plane(Int32(-1)), distance: plane(Float(0))) }

    /// `assignment` made that of `centres`; true when any colour's nearest centre changed.
    func assign(_ assignment: inout Assignment, to centres: [SIMD4<Float>]) -> Bool {
        var best = plane(Int32(0)), bestDistance = plane(Float.infinity)
        best.withUnsafeMutableBufferPointer { best in
            bestDistance.withUnsafeMutableBufferPointer { bestDistance in
                for (c, centre) in centres.enumerated() {
                    forEachVector(distancesTo: centre) { v, d in
                        var nearest = Self.load(UnsafeBufferPointer(bestDistance), v), index = Self.load(UnsafeBufferPointer(best), v)
                        let closer = d .< nearest
                        nearest.replace(with: d, where: closer)
                        index.replace(with: Int32(c), where: closer)
                        Self.store(nearest, bestDistance, v)
                        Self.store(index, best, v)
                    }
                }
            }
        }
        defer { assignment = Assignment(centre: best, distance: bestDistance) }
        return best != assignment.centre
    }

    /// The log-density under `model` of each colour, taking the best-fitting cluster for the mixture.
    func logLikelihoods(_ model: ColourModel) -> [Float] {
        var out = plane(-Float.infinity)
        out.withUnsafeMutableBufferPointer { out in
            for cluster in model.clusters {
                forEachVector(distancesTo: cluster.centre) { v, d in
                    var best = Self.load(UnsafeBufferPointer(out), v)
                    let density = cluster.offset - d * cluster.precision
                    best.replace(with: density, where: best .< density)
                    Self.store(best, out, v)
                }
            }
        }
        return Array(out[..<count])
    }
}
