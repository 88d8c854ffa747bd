import ArgumentParser
import CNN

/// `train`'s `--augment-*` options: each changes one of the recipe's augmentations, the others
/// stay as the architecture has them.
struct AugmentationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Augmentation: shift training images by up to this many pixels (fashion: 2).", valueName: "pixels")) var augmentShift: Float?
    @Option(help: ArgumentHelp("Augmentation: scale training images by up to ± this fraction.", valueName: "fraction")) var augmentScale: Float?
    @Flag(inversion: .prefixedNo, help: "Augmentation: mirror half of the training images left to right (fashion: on).") var augmentMirror: Bool?
    @Option(help: ArgumentHelp("Augmentation: show half of the training images as a darker item, lifting their pixels by up to this share of the way to white (fashion: 0.8).",
                               valueName: "fraction")) var augmentTone: Float?
    @Option(help: ArgumentHelp("Augmentation: erase a random rectangle with this probability (fashion: 0.2).", valueName: "probability")) var augmentErase: Float?
    @Option(help: ArgumentHelp("Augmentation: turn training images by up to this many degrees either way.", valueName: "degrees")) var augmentRotate: Float?
    @Option(help: ArgumentHelp("Augmentation: drop each pixel of an item's outline with this probability, as a photo's mask leaves it ragged.",
                               valueName: "probability")) var augmentRagged: Float?
    @Option(help: ArgumentHelp("Augmentation: add noise of this standard deviation (pixels in 0…1) to the item.", valueName: "sigma")) var augmentNoise: Float?
    @Option(help: ArgumentHelp("Augmentation: blend half of the training images with their blur (σ 1 pixel) by up to this share, as segmented photos are softened.",
                               valueName: "fraction")) var augmentBlur: Float?
    @Option(help: ArgumentHelp("Augmentation: slant training images, one edge narrowed or widened by up to this fraction (at most 0.5).",
                               valueName: "fraction")) var augmentPerspective: Float?
    @Option(help: ArgumentHelp("Augmentation: with this probability cut 15–35% of the item off at one side and fit the rest to its old size.",
                               valueName: "probability")) var augmentCut: Float?
    @Option(help: ArgumentHelp("Augmentation: with this probability keep a strip of background (gray, 2–5 pixels) beside the item.",
                               valueName: "probability")) var augmentBackground: Float?

    /// The options given, the rest from `d` (the architecture's recipe).
    func augmentation(over d: Augmentation) -> Augmentation {
        Augmentation(maxShift: augmentShift ?? d.maxShift, maxScale: augmentScale ?? d.maxScale,
                     mirror: augmentMirror ?? d.mirror, tone: augmentTone ?? d.tone, erasing: augmentErase ?? d.erasing,
                     maxRotation: augmentRotate ?? d.maxRotation, ragged: augmentRagged ?? d.ragged, noise: augmentNoise ?? d.noise,
                     blur: augmentBlur ?? d.blur, perspective: augmentPerspective ?? d.perspective, cut: augmentCut ?? d.cut,
                     background: augmentBackground ?? d.background)
    }
}
