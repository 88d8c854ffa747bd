import CNN
import Foundation
import Imaging

/// Labelled photos turned into network inputs through exactly the preprocessing `classify` uses
/// (decoding, segmentation, trimming, fitting to the input size), so that a network trained on
/// them sees what it will see when it classifies; each with the set of classes its folder's
/// expectation says are right (none for a garment the classes do not have).
public struct PreparedPhotos {
    public var images: SetLabelledImages
    /// Per folder, in order: its name and how many of its photos were prepared.
    public var folders: [(name: String, count: Int)]
    /// Photos that could not be prepared, with the reason.
    public var failures: [(path: String, reason: String)]

    /// Prepares every photo of `photos` with `pipeline`'s decoder and preprocessor, `batch`
    /// photos at a time over its threads; `progress` is told how many are done of how many.
    public init(_ photos: LabelledPhotos, pipeline: ClassificationPipeline, batch: Int = 256, progress: (Int, Int) -> Void = { _, _ in }) {
        let side = pipeline.header.input.height
        var pixels: [UInt8] = [], sets: [LabelSet] = []
        folders = []
        failures = []
        let all = photos.folders.flatMap { folder in folder.files.map { (path: $0, folder: folder) } }
        var done = 0
        while done < all.count {
            let window = all[done ..< min(done + batch, all.count)]
            var results = [Result<[UInt8], ImageError>?](repeating: nil, count: window.count)
            results.withUnsafeMutableBufferPointer { slots in
                Parallel.chunks(window.count, threads: pipeline.threads) { range, _ in
                    for i in range {
                        slots[i] = Result { () throws(ImageError) in try pipeline.prepared(.file(window[window.startIndex + i].path)).pixels }
                    }
                }
            }
            for (photo, result) in zip(window, results) {
                if folders.last?.name != photo.folder.name { folders.append((photo.folder.name, 0)) }
                switch result! {
                case .success(let input):
                    pixels += input
                    sets.append(photo.folder.expectation.labelSet)
                    folders[folders.count - 1].count += 1
                case .failure(let error):
                    failures.append((photo.path, error.description))
                }
            }
            done += window.count
            progress(done, all.count)
        }
        images = SetLabelledImages(pixels: pixels, sets: sets, height: side, width: side)
    }
}

extension PhotoExpectation {
    /// The classes that are right for a photo with this expectation.
    public var labelSet: LabelSet {
        switch self {
        case .anyOf(let labels): LabelSet(labels)
        case .noClass: .none
        }
    }
}
