import CKernels
import CNN
import TestSupport
import XCTest

/// `ck_bn_normalize`, batch normalisation's sweep over a plane, against the same arithmetic one
/// value at a time: `a·x + b` and ReLU, or pooling's maxima and their positions (the later of two
/// equal values; the first position on ties, which the values made of few levels provoke), on
/// planes whose pooled rows are shorter than a vector, longer than one, and odd; and it writes
/// nothing past a plane's outputs (it reads and writes sixteen lanes where it can).
final class BatchNormKernelTests: XCTestCase {
    func testNormalizeEqualsTheArithmeticValueByValue() {
        let (a, b): (Float, Float) = (1.7, -0.4)
        for (height, width) in [(28, 28), (14, 14), (5, 7), (2, 40), (6, 35), (3, 3)] {
            let plane = height * width
            var random = RandomSource(seed: UInt64(height * 100 + width))
            let x = (0..<plane).map { _ in Float(Int(random.nextUniform() * 5)) * 0.25 - 0.5 }
            for epilogue in [CK_EPILOGUE_NONE, CK_EPILOGUE_RELU, CK_EPILOGUE_POOL_RELU] {
                let (outHeight, outWidth) = epilogue == CK_EPILOGUE_POOL_RELU ? (height / 2, width / 2) : (height, width)
                let guardValue: Float = 12345, guardPosition: Int32 = -7, count = outHeight * outWidth
                var y = [Float](repeating: guardValue, count: count + 32), positions = [Int32](repeating: guardPosition, count: count + 32)
                ck_bn_normalize(x, Int32(height), Int32(width), a, b, epilogue, &y, &positions)
                let what = "epilogue \(epilogue) on \(height)×\(width)"
                XCTAssertEqual(y[count...].filter { $0 != guardValue }.count, 0, "\(what): written past the outputs")
                let mapped = x.map { a * $0 + b }
                guard epilogue == CK_EPILOGUE_POOL_RELU else {
                    XCTAssertEqual(Array(y[..<count]), epilogue == CK_EPILOGUE_RELU ? mapped.map { 0 >= $0 ? 0 : $0 } : mapped, what)
                    continue
                }
                XCTAssertEqual(positions[count...].filter { $0 != guardPosition }.count, 0, "\(what): positions written past the outputs")
                for i in 0..<outHeight {
                    for j in 0..<outWidth {
                        let corner = 2 * i * width + 2 * j
                        var best = corner, value = mapped[corner]
                        for at in [corner + 1, corner + width, corner + width + 1] where mapped[at] > value { (best, value) = (at, mapped[at]) }
                        XCTAssertEqual(y[i * outWidth + j], max(value, 0), "\(what) (\(i), \(j))")
                        XCTAssertEqual(Int(positions[i * outWidth + j]), best, "\(what) (\(i), \(j))")
                    }
                }
            }
        }
    }
}
