/// Maximum over `size×size` windows taken every `stride` pixels, per channel. A window that would
/// run past the edge is dropped (floor), as in the seed notebook's 23 → 11.
///
/// Shapes: input `[C, H, W]`, output `[C, (H − size) / stride + 1, (W − size) / stride + 1]`.
public final class MaxPool2D: Layer {
    public let size: Int
    public let stride: Int
    public let inputShape: [Int]
    public let outputShape: [Int]
    private let output = Tensor()
    /// For each output element, the offset within its input plane of the window's maximum (the
    /// first one on ties): backward routes the whole gradient there. Recorded in training only.
    private var argmax: [Int32] = []
    private let inputGradient = Tensor()

    public init(size: Int, stride: Int, inputShape: [Int], name: String) throws {
        guard inputShape.count == 3 else { throw ArchitectureError("\(name): pooling needs [channels, height, width] input, not \(inputShape)") }
        guard size > 0, stride > 0 else { throw ArchitectureError("\(name): pool size and stride must be positive") }
        guard inputShape[1] >= size, inputShape[2] >= size else {
            throw ArchitectureError("\(name): a \(size)×\(size) pool does not fit a \(inputShape[1])×\(inputShape[2]) input")
        }
        self.size = size
        self.stride = stride
        self.inputShape = inputShape
        outputShape = [inputShape[0], (inputShape[1] - size) / stride + 1, (inputShape[2] - size) / stride + 1]
    }

    public func forward(_ input: Tensor, context: RunContext) -> Tensor {
        let planes = input.shape[0] * inputShape[0]
        let (h, w) = (inputShape[1], inputShape[2]), (oh, ow) = (outputShape[1], outputShape[2])
        output.resize(to: [input.shape[0]] + outputShape)
        let x = input.data, y = output.data
        if !context.training && size == 2 && stride == 2 {
            // Nothing will be routed back, so only the maxima, without the bookkeeping of where
            // each came from.
            Parallel.chunks(planes, threads: context.threads) { range, _ in
                for plane in range { Self.maxima2x2(x + plane * h * w, height: h, width: w, into: y + plane * oh * ow) }
            }
            return output
        }
        if argmax.count < output.count { argmax = [Int32](repeating: 0, count: output.count) }
        argmax.withUnsafeMutableBufferPointer { arg in
            let arg = arg.baseAddress!
            Parallel.chunks(planes, threads: context.threads) { range, _ in
                for plane in range {
                    let src = x + plane * h * w
                    let dst = y + plane * oh * ow, at = arg + plane * oh * ow
                    if size == 2 && stride == 2 {
                        pool2x2(src, width: w, into: dst, argmax: at)
                    } else {
                        pool(src, width: w, into: dst, argmax: at)
                    }
                }
            }
        }
        return output
    }

    private func pool(_ src: UnsafePointer<Float>, width w: Int, into dst: UnsafeMutablePointer<Float>,
                      argmax: UnsafeMutablePointer<Int32>) {
        let (oh, ow) = (outputShape[1], outputShape[2])
        for i in 0..<oh {
            for j in 0..<ow {
                var best = (i * stride) * w + j * stride
                for di in 0..<size {
                    let rowStart = (i * stride + di) * w + j * stride
                    for dj in 0..<size where src[rowStart + dj] > src[best] { best = rowStart + dj }
                }
                dst[i * ow + j] = src[best]
                argmax[i * ow + j] = Int32(best)
            }
        }
    }

    /// The common 2×2, stride-2 case, unrolled and without branches: which of the four wins is
    /// data-dependent and unpredictable, so branches would be mispredicted half the time.
    private func pool2x2(_ src: UnsafePointer<Float>, width w: Int, into dst: UnsafeMutablePointer<Float>,
                         argmax: UnsafeMutablePointer<Int32>) {
        let (oh, ow) = (outputShape[1], outputShape[2])
        for i in 0..<oh {
            let top = src + 2 * i * w, bottom = top + w
            let out = dst + i * ow, at = argmax + i * ow
            let base = 2 * i * w
            for j in 0..<ow {
                let a = top[2 &* j], b = top[2 &* j &+ 1], c = bottom[2 &* j], d = bottom[2 &* j &+ 1]
                let upper = max(a, b), lower = max(c, d)
                let rightUpper = Int(unsafeBitCast(b > a, to: UInt8.self))
                let rightLower = Int(unsafeBitCast(d > c, to: UInt8.self))
                let lowerWins = Int(unsafeBitCast(lower > upper, to: UInt8.self))
                out[j] = max(upper, lower)
                at[j] = Int32(truncatingIfNeeded: base &+ 2 &* j &+ rightUpper &+ lowerWins &* (w &+ rightLower &- rightUpper))
            }
        }
    }

    /// The 2×2, stride-2 maxima alone of an `h × w` plane (`h / 2 × w / 2` of them): the two
    /// rows' larger values, then each pair's larger one.
    static func maxima2x2(_ src: UnsafePointer<Float>, height h: Int, width w: Int, into dst: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (h / 2, w / 2)
        for i in 0..<oh {
            let top = src + 2 * i * w, bottom = top + w, out = dst + i * ow
            for j in 0..<ow {
                out[j] = max(max(top[2 &* j], bottom[2 &* j]), max(top[2 &* j &+ 1], bottom[2 &* j &+ 1]))
            }
        }
    }

    public func backward(_ outputGradient: Tensor, context: RunContext, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        let batch = outputGradient.shape[0]
        let planes = batch * inputShape[0]
        let planeIn = inputShape[1] * inputShape[2], planeOut = outputShape[1] * outputShape[2]
        inputGradient.resize(to: [batch] + inputShape)
        let dy = outputGradient.data, dx = inputGradient.data
        argmax.withUnsafeBufferPointer { arg in
            let arg = arg.baseAddress!
            Parallel.chunks(planes, threads: context.threads) { range, _ in
                for plane in range {
                    let dst = dx + plane * planeIn
                    dst.update(repeating: 0, count: planeIn)
                    for o in plane * planeOut ..< (plane + 1) * planeOut { dst[Int(arg[o])] += dy[o] }
                }
            }
        }
        return inputGradient
    }
}
