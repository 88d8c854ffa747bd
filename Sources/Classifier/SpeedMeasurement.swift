import CNN
import Dispatch
import Foundation
import Imaging

/// What `cnnclassify benchmark` times, and the inputs it times them on: medians of repeated runs,
/// a folder of Fashion-MNIST-sized PNGs, a large product-shot JPEG, and whole processes from
/// start to exit.
public enum SpeedMeasurement {
    /// Seconds `body` takes.
    public static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Writes the first `count` images as gray PNGs `00000.png`, `00001.png`, … into `directory`.
    public static func writePNGs(_ images: LabeledImages, count: Int, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let side = images.height * images.width
        for i in 0..<min(count, images.count) {
            let png = try ImageEncoder.grayPNG(Array(images.pixels[i * side ..< (i + 1) * side]), width: images.width, height: images.height)
            try AtomicFile.write(png, to: String(format: "%@/%05d.png", directory, i))
        }
    }

    /// A 12-megapixel product shot (4000 × 3000): image `index` drawn dark on white at 100 times
    /// its size, slightly tinted, as a JPEG.
    public static func productShotJPEG(_ images: LabeledImages, index: Int = 0) throws -> [UInt8] {
        let (width, height, enlargement) = (4000, 3000, 100)
        let (left, top) = (600, 100)
        var photo = [UInt8](repeating: 255, count: width * height * 3)
        let first = index * images.height * images.width
        for y in 0 ..< images.height * enlargement {
            for x in 0 ..< images.width * enlargement {
                let value = 255 - images.pixels[first + (y / enlargement) * images.width + x / enlargement]
                let offset = ((y + top) * width + x + left) * 3
                photo[offset] = value
                photo[offset + 1] = value
                photo[offset + 2] = UInt8(Int(value) * 9 / 10)
            }
        }
        return try ImageEncoder.jpeg(photo, width: width, height: height, channels: 3)
    }

    /// The median milliseconds from starting `executable` with `arguments` to its exit, over
    /// `repeats` runs, its standard output discarded; a run that exits with an error throws.
    /// posix_spawn and waitpid rather than Foundation's Process, whose exit notification adds
    /// tens of milliseconds of its own.
    public static func startToExit(_ executable: String, _ arguments: [String], repeats: Int) throws -> Double {
        let runs = try (0..<repeats).map { _ in
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            var argv = ([executable] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var pid = pid_t()
            let start = DispatchTime.now().uptimeNanoseconds
            guard posix_spawn(&pid, executable, &actions, nil, &argv, environ) == 0 else {
                throw FileProblem(path: executable, reason: "cannot be started")
            }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            // A run that failed (an input it could not classify, a signal) timed something else.
            guard status == 0 else { throw FileProblem(path: executable, reason: "did not succeed (wait status \(status))") }
            return milliseconds
        }
        return median(runs)
    }
}
