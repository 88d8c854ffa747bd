import Foundation

/// How far an input's penultimate features lie from the nearest class: the Mahalanobis distance
/// to each class mean under one covariance shared by all classes (Lee et al., 2018), fitted on
/// the training images. A photo unlike the training images can still drive one logit high, which
/// the energy does not see, while its features lie far from every class's.
public struct FeatureDistance: Equatable, Sendable {
    public let classes: Int
    public let dimension: Int
    /// Class means, `classes × dimension`, row after row.
    public let means: [Float]
    /// The inverse of the shared covariance, `dimension × dimension`.
    public let precision: [Float]
    /// `P·μ_c` per class and `μ_cᵀ·P·μ_c`, so that a distance is `fᵀPf − 2 fᵀPμ_c + μ_cᵀPμ_c`:
    /// two matrix products per batch instead of one per class.
    private let precisionMeans: [Float]
    private let meanNorms: [Float]

    public init(classes: Int, dimension: Int, means: [Float], precision: [Float]) {
        precondition(means.count == classes * dimension && precision.count == dimension * dimension)
        self.classes = classes
        self.dimension = dimension
        self.means = means
        self.precision = precision
        var precisionMeans = [Float](repeating: 0, count: classes * dimension), meanNorms = [Float](repeating: 0, count: classes)
        for c in 0..<classes {
            for i in 0..<dimension {
                var sum: Double = 0
                for j in 0..<dimension { sum += Double(precision[i * dimension + j]) * Double(means[c * dimension + j]) }
                precisionMeans[c * dimension + i] = Float(sum)
            }
            meanNorms[c] = Float((0..<dimension).reduce(0.0) { $0 + Double(means[c * dimension + $1]) * Double(precisionMeans[c * dimension + $1]) })
        }
        self.precisionMeans = precisionMeans
        self.meanNorms = meanNorms
    }

    /// The names of its tensors in a weight file.
    public static let meansTensorName = "calibration.feature-means", precisionTensorName = "calibration.feature-precision"

    var tensors: [(name: String, tensor: Tensor)] {
        [(Self.meansTensorName, Tensor(shape: [classes, dimension], values: means)),
         (Self.precisionTensorName, Tensor(shape: [dimension, dimension], values: precision))]
    }

    /// The distance held by a weight file's `tensors`, which are removed from it; they must have
    /// the shapes a network of `classes` outputs and `dimension` features needs.
    init(taking tensors: inout [String: Tensor], classes: Int, dimension: Int, fail: (String) -> FileProblem) throws {
        for (name, shape) in [(Self.meansTensorName, [classes, dimension]), (Self.precisionTensorName, [dimension, dimension])] {
            guard let tensor = tensors[name] else { throw fail("has a feature-distance flag but no tensor \(name)") }
            guard tensor.shape == shape else { throw fail("has tensor \(name) of shape \(tensor.shape), but the network needs \(shape)") }
        }
        self.init(classes: classes, dimension: dimension, means: tensors.removeValue(forKey: Self.meansTensorName)!.values,
                  precision: tensors.removeValue(forKey: Self.precisionTensorName)!.values)
    }

    /// The ridge added to the covariance, as a share of its mean variance: units that a ReLU
    /// leaves at zero for every training image have no variance, and the inverse must exist.
    public static let ridge = 1e-3

    /// Class means and the shared covariance of `features` (`labels.count` rows of `dimension`
    /// values), each row centred on its own class's mean.
    public static func fit(features: [Float], labels: [Int], classes: Int, dimension: Int) -> FeatureDistance {
        precondition(features.count == labels.count * dimension && !labels.isEmpty)
        var sums = [Double](repeating: 0, count: classes * dimension), counts = [Int](repeating: 0, count: classes)
        for (n, label) in labels.enumerated() {
            counts[label] += 1
            for i in 0..<dimension { sums[label * dimension + i] += Double(features[n * dimension + i]) }
        }
        let means = (0..<classes * dimension).map { Float(sums[$0] / Double(max(counts[$0 / dimension], 1))) }
        var centred = features
        for (n, label) in labels.enumerated() {
            for i in 0..<dimension { centred[n * dimension + i] -= means[label * dimension + i] }
        }
        var product = [Float](repeating: 0, count: dimension * dimension)
        centred.withUnsafeBufferPointer { x in
            product.withUnsafeMutableBufferPointer { c in
                BLAS.gemm(transposeA: true, transposeB: false, m: dimension, n: dimension, k: labels.count,
                          a: x.baseAddress!, lda: dimension, b: x.baseAddress!, ldb: dimension, beta: 0, c: c.baseAddress!, ldc: dimension)
            }
        }
        var covariance = product.map { Double($0) / Double(labels.count) }
        let meanVariance = (0..<dimension).reduce(0.0) { $0 + covariance[$1 * dimension + $1] } / Double(dimension)
        for i in 0..<dimension { covariance[i * dimension + i] += ridge * meanVariance + Double(Float.leastNormalMagnitude) }
        return FeatureDistance(classes: classes, dimension: dimension, means: means,
                               precision: symmetricInverse(covariance, dimension).map { Float($0) })
    }

    /// The distance to the nearest class mean of each of `rows` rows of features.
    public func distances(_ features: UnsafePointer<Float>, rows: Int) -> [Float] {
        guard rows > 0 else { return [] }
        var transformed = [Float](repeating: 0, count: rows * dimension), crossTerms = [Float](repeating: 0, count: rows * classes)
        precision.withUnsafeBufferPointer { p in
            transformed.withUnsafeMutableBufferPointer { g in
                BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: dimension, k: dimension,
                          a: features, lda: dimension, b: p.baseAddress!, ldb: dimension, beta: 0, c: g.baseAddress!, ldc: dimension)
            }
        }
        precisionMeans.withUnsafeBufferPointer { m in
            crossTerms.withUnsafeMutableBufferPointer { h in
                BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: classes, k: dimension,
                          a: features, lda: dimension, b: m.baseAddress!, ldb: dimension, beta: 0, c: h.baseAddress!, ldc: classes)
            }
        }
        return (0..<rows).map { n in
            var own: Float = 0
            for i in 0..<dimension { own += transformed[n * dimension + i] * features[n * dimension + i] }
            var nearest = Float.infinity
            for c in 0..<classes { nearest = min(nearest, own - 2 * crossTerms[n * classes + c] + meanNorms[c]) }
            return max(0, nearest)
        }
    }

    /// The inverse of a symmetric positive-definite matrix, through its Cholesky factor.
    static func symmetricInverse(_ a: [Double], _ size: Int) -> [Double] {
        var l = [Double](repeating: 0, count: size * size)
        for j in 0..<size {
            var diagonal = a[j * size + j]
            for k in 0..<j { diagonal -= l[j * size + k] * l[j * size + k] }
            l[j * size + j] = diagonal.squareRoot()
            for i in (j + 1)..<size {
                var value = a[i * size + j]
                for k in 0..<j { value -= l[i * size + k] * l[j * size + k] }
                l[i * size + j] = value / l[j * size + j]
            }
        }
        // Columns of L⁻¹ by forward substitution, then A⁻¹ = L⁻ᵀ·L⁻¹.
        var inverseL = [Double](repeating: 0, count: size * size)
        for column in 0..<size {
            for i in column..<size {
                var value = i == column ? 1.0 : 0.0
                for k in column..<i { value -= l[i * size + k] * inverseL[k * size + column] }
                inverseL[i * size + column] = value / l[i * size + i]
            }
        }
        var inverse = [Double](repeating: 0, count: size * size)
        for i in 0..<size {
            for j in 0...i {
                var sum = 0.0
                for k in i..<size { sum += inverseL[k * size + i] * inverseL[k * size + j] }
                inverse[i * size + j] = sum
                inverse[j * size + i] = sum
            }
        }
        return inverse
    }
}
