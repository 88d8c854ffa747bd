import CNN
import Dispatch
import Foundation
import Imaging

/// Reads, decodes and preprocesses inputs on all threads, runs the network over them in batches,
/// and hands back results in input order. Inputs go through in windows, at most `batchSize`
/// images at once over all threads, so memory stays bounded however many there are.
public final class ClassificationPipeline {
    public let network: Network
    public let header: ModelHeader
    public var decoder = ImageDecoder()
    public var preprocessor = Preprocessor()
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Images classified at once, shared out among the threads in windows of `batchSize /
    /// threads`, but never fewer than `smallestWindow` (or `batchSize`, if smaller) to a window:
    /// smaller ones spend more on each pass than they save.
    public var batchSize = 256
    static let smallestWindow = 32
    /// Inputs (and standard input) longer than this many bytes are refused unread.
    public var maxBytes = FileContents.defaultLimit
    /// Where to write each network input as a PNG, if anywhere.
    public var saveInputsTo: String?
    /// Draws the photo as segmentation saw it beside the object it found, at the given side.
    public typealias MaskDrawing = @Sendable (PreparedInput, _ side: Int) throws -> [UInt8]
    /// Draws the input beside its occlusion saliency from the input's pixels, the saliency, the
    /// side and the caption's lines.
    public typealias ExplanationDrawing = @Sendable ([UInt8], [Float], _ side: Int, _ caption: [String]) throws -> [UInt8]
    /// Where to write a mask picture per input, and how to draw it (pictures are drawn at the
    /// edge, by whoever asks for them).
    public var saveMasksTo: (directory: String, draw: MaskDrawing)?
    /// Where to write an explanation picture per input, and how to draw it.
    public var explainTo: (directory: String, draw: ExplanationDrawing)?

    public enum Outcome {
        case classified(Prediction)
        case failed(ClassifierInput, String)
    }

    public init(network: Network, header: ModelHeader) {
        self.network = network
        self.header = header
        // Large JPEGs are decoded at a reduced size (libjpeg's DCT scaling), as large as
        // preprocessing can use.
        decoder.minimumLongSide = preprocessor.sufficientLongSide
    }

    private var side: Int { header.input.height }
    private var calibration: Calibration { header.calibration ?? .uncalibrated }

    /// Classifies `inputs`, calling `report` once per input, in order, taking them from the
    /// sequence a window at a time (so a folder walk goes on while classifying). Each window is
    /// read, decoded and run through the network by one thread, with a replica of the network of
    /// its own, `threads` windows at once: no thread waits at every layer for another's half of a
    /// window, and the calling thread walks on and reports finished windows while the others
    /// work. Inputs that do not fill a window per thread are shared out evenly. Standard input is
    /// read when first met (once; a second `-` gets nothing). `afterEachWindow` runs when a
    /// window's results have all been reported.
    public func run(_ inputs: some Sequence<ClassifierInput>, report: (Int, Outcome) -> Void, afterEachWindow: () -> Void = {}) throws {
        let workers = max(1, threads)
        let windowSize = max(min(batchSize, Self.smallestWindow), batchSize / workers)
        var stdinBytes: Result<[UInt8], FileProblem>?
        var remaining = inputs.makeIterator()
        var ready: [[ClassifierInput]] = [], first = true, exhausted = false
        /// The next windows to start, taken from the inputs when there are none left to start.
        func refill() {
            guard ready.isEmpty, !exhausted else { return }
            let wanted = first ? workers * windowSize : windowSize
            var taken: [ClassifierInput] = []
            while taken.count < wanted {
                guard let input = remaining.next() else {
                    exhausted = true
                    break
                }
                taken.append(input)
            }
            let size = first && taken.count < wanted ? max(1, (taken.count + workers - 1) / workers) : windowSize
            first = false
            ready = stride(from: 0, to: taken.count, by: size).map { Array(taken[$0 ..< min($0 + size, taken.count)]) }
        }
        var running: [WindowWork] = [], idle = Array(replicas.indices.reversed()), start = 0
        func startWhileIdle() throws {
            while running.count < workers {
                refill()
                guard !ready.isEmpty else { return }
                let window = ready.removeFirst()
                if stdinBytes == nil && window.contains(where: { $0.source == .standardInput }) {
                    stdinBytes = Result { () throws(FileProblem) in try FileContents.readStandardInput(limit: maxBytes) }
                }
                // The only window there will be (one image, say) runs here, on the pipeline's own
                // network: a thread and a replica of its own would only add to the wait.
                if running.isEmpty && ready.isEmpty && exhausted {
                    let work = WindowWork(inputs: window, start: start, replica: nil, network: (network, batch))
                    work.outcomes = classify(work, standardInput: stdinBytes)
                    work.done.signal()
                    running.append(work)
                    start += window.count
                    return
                }
                if idle.isEmpty {
                    replicas.append((try network.replica(), Tensor()))
                    idle.append(replicas.count - 1)
                }
                let replica = idle.removeLast()
                let work = WindowWork(inputs: window, start: start, replica: replica, network: replicas[replica])
                let standardInput = stdinBytes
                running.append(work)
                start += window.count
                DispatchQueue.global().async {
                    work.outcomes = self.classify(work, standardInput: standardInput)
                    work.done.signal()
                }
            }
        }
        try startWhileIdle()
        while !running.isEmpty {
            let work = running.removeFirst()
            work.done.wait()
            if let replica = work.replica { idle.append(replica) }
            // The next window starts before this one is reported.
            try startWhileIdle()
            for (i, input) in work.inputs.enumerated() {
                let position = work.start + i
                switch work.outcomes[i] {
                case .success(let (prepared, answer)):
                    // Nothing left after preprocessing (a blank page, pure noise) is no garment,
                    // whatever the network makes of an empty input; nor is a photo in which
                    // segmentation found no object.
                    let empty = !prepared.pixels.contains { $0 > 0 }
                    let prediction = Prediction(input: input, probabilities: answer.probabilities, uncertain: answer.uncertain,
                                                unusual: answer.unusual || empty || prepared.segmentationFailed)
                    if let explainTo, let problem = explain(prepared.pixels, prediction, position: position, to: explainTo) {
                        report(position, .failed(input, problem))
                    } else {
                        report(position, .classified(prediction))
                    }
                case .failure(let error):
                    report(position, .failed(input, error.description))
                }
            }
            afterEachWindow()
        }
    }

    /// One window on its way through a thread: its inputs, where they start in the sequence, the
    /// network replica it runs on (and its index, to hand it back), and, once `done`, each
    /// input's network input and assessment.
    private final class WindowWork: @unchecked Sendable {
        let inputs: [ClassifierInput]
        let start: Int
        let replica: Int?
        let network: Network
        let batch: Tensor
        var outcomes: [Result<(Prepared, Calibration.Assessment), ImageError>] = []
        let done = DispatchSemaphore(value: 0)

        init(inputs: [ClassifierInput], start: Int, replica: Int?, network: (Network, batch: Tensor)) {
            self.inputs = inputs
            self.start = start
            self.replica = replica
            (self.network, batch) = network
        }
    }

    /// Network replicas, one per window in flight (made when first needed), each with its batch of
    /// inputs; and the batch of the pipeline's own network.
    private var replicas: [(network: Network, batch: Tensor)] = []
    private let batch = Tensor()

    /// Reads, decodes and preprocesses a window's inputs and assesses those that could be used,
    /// on the calling thread.
    private func classify(_ work: WindowWork, standardInput: Result<[UInt8], FileProblem>?)
        -> [Result<(Prepared, Calibration.Assessment), ImageError>] {
        let prepared = work.inputs.enumerated().map { i, input in prepare(input, position: work.start + i, standardInput: standardInput) }
        let assessments = assess(prepared.compactMap { try? $0.get() }, on: (work.network, work.batch))
        var row = 0
        return prepared.map { outcome in
            outcome.map { input in
                defer { row += 1 }
                return (input, assessments[row])
            }
        }
    }

    /// The network's assessment of each input, in one forward pass of `replica` on the calling thread.
    private func assess(_ inputs: [Prepared], on replica: (network: Network, batch: Tensor)) -> [Calibration.Assessment] {
        guard !inputs.isEmpty else { return [] }
        let imageSize = side * side, batch = replica.batch
        batch.resize(to: [inputs.count, header.input.channels, side, side])
        for (row, input) in inputs.enumerated() {
            for p in 0..<imageSize { batch[row * imageSize + p] = Float(input.pixels[p]) * header.input.scale }
        }
        let (features, logits) = replica.network.forwardKeepingFeatures(batch, context: RunContext(training: false, threads: 1))
        let classes = logits.shape[1]
        let distances = calibration.distances(features.data, rows: inputs.count)
        return inputs.enumerated().map { row, input in
            calibration.assess(UnsafeBufferPointer(start: logits.data + row * classes, count: classes),
                               photo: input.isPhoto, distance: distances?[row])
        }
    }

    /// A network input, without the photo and mask that only pictures need.
    private struct Prepared {
        var pixels: [UInt8]
        var isPhoto: Bool
        var segmentationFailed: Bool
    }

    /// Read, decode, preprocess (and save) one input.
    private func prepare(_ input: ClassifierInput, position: Int, standardInput: Result<[UInt8], FileProblem>?) -> Result<Prepared, ImageError> {
        Result { () throws(ImageError) -> Prepared in
            let prepared = try self.prepared(input, standardInput: standardInput)
            // The network input as a PNG, so a user can see what the network saw; the photo as
            // segmented, outside the mask dimmed, beside it.
            if let directory = saveInputsTo {
                try write(try ImageEncoder.grayPNG(prepared.pixels, width: side, height: side), what: "the network input",
                          for: input, position: position, in: directory)
            }
            if let (directory, draw) = saveMasksTo {
                let png: [UInt8]
                do {
                    png = try draw(prepared, side)
                } catch {
                    throw .unreadable("cannot draw the mask: \(error)")
                }
                try write(png, what: "the mask", for: input, position: position, in: directory)
            }
            return Prepared(pixels: prepared.pixels, isPhoto: prepared.isPhoto, segmentationFailed: prepared.segmentationFailed)
        }
    }

    /// One input read, decoded and preprocessed, with the photo and mask segmentation used.
    public func prepared(_ input: ClassifierInput, standardInput: Result<[UInt8], FileProblem>? = nil) throws(ImageError) -> PreparedInput {
        let bytes: [UInt8]
        do throws(FileProblem) {
            switch input.source {
            case .standardInput: bytes = try standardInput?.get() ?? []
            case .file(let path): bytes = try FileContents.read(path, limit: maxBytes)
            }
        } catch {
            throw .unreadable(error.reason)
        }
        return preprocessor.process(try decoder.decode(bytes))
    }

    /// `DIR/<position>-<name>.png`: the input's place in the list (from 1, so names sort in input
    /// order and never collide) and its file name (or `stdin`).
    private func outputPath(for input: ClassifierInput, position: Int, in directory: String) -> String {
        let base: String
        switch input.source {
        case .standardInput: base = "stdin"
        case .file(let path): base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        }
        return (directory as NSString).appendingPathComponent(String(format: "%05d-%@.png", position + 1, base))
    }

    /// Writes a picture of one input (`what` names it in the error) into `directory`.
    private func write(_ png: [UInt8], what: String, for input: ClassifierInput, position: Int, in directory: String) throws(ImageError) {
        do {
            try AtomicFile.write(png, to: outputPath(for: input, position: position, in: directory))
        } catch {
            throw .unreadable("cannot save \(what): \(error)")
        }
    }

    /// Writes the input beside its occlusion saliency for the answer, with the answer in words;
    /// returns the problem if that fails.
    private func explain(_ pixels: [UInt8], _ prediction: Prediction, position: Int,
                         to output: (directory: String, draw: ExplanationDrawing)) -> String? {
        let values = pixels.map { Float($0) * header.input.scale }
        let saliency = OcclusionSaliency().map(values, side: side, label: prediction.label, network: network,
                                               calibration: calibration, threads: threads)
        let ranking = prediction.ranking
        func line(_ title: String, _ label: Int) -> String {
            "\(title) \(header.classNames[label]) \(String(format: "%.1f", 100 * prediction.probabilities[label]))%"
        }
        var caption = [line("SAID", ranking[0]), line("NEXT", ranking[1])]
        if prediction.lowConfidence { caption.append(prediction.unusual ? "LOW CONFIDENCE: UNUSUAL INPUT" : "LOW CONFIDENCE") }
        do {
            let png = try output.draw(pixels, saliency, side, caption)
            try AtomicFile.write(png, to: outputPath(for: prediction.input, position: position, in: output.directory))
            return nil
        } catch {
            return "cannot write the explanation: \(error)"
        }
    }
}
