import ArgumentParser
import CNN

extension Classify {
    /// The help text after the usage line: what the command does, and examples.
    static let discussion = """
        Any image works: a phone photo, a product shot on white, a transparent cut-out, or an \
        already-28×28 Fashion-MNIST crop. Each is turned upright (EXIF). A product shot on an \
        even background goes the way Fashion-MNIST was made: whatever stands out from the \
        background is the garment. In any other photo the garment is found in colour: what \
        differs from the colours along the border, learnt per photo. \
        The garment keeps its own luma, negated as in Fashion-MNIST; everything else becomes \
        0; the result is trimmed, scaled so its longest edge is 28 and centred on a 28×28 \
        canvas — the way Fashion-MNIST was made — then classified. --save-mask shows what \
        segmentation found. A photo in which it finds nothing goes the gray way (background \
        plane, noise floor, trim) and its answer is flagged.

        Inputs are files, directories (every PNG and JPEG below them, found by content; each \
        directory's entries in sorted order, depth first, classified while the walk goes on, \
        so memory does not grow with the number of files) and - for image bytes on standard \
        input. Results come out in input order. \
        A file that cannot be read or decoded is reported on stderr as \
        "cnnclassify: PATH: reason" and the others are still classified; the exit status is \
        then 1 (0 when all succeeded, 2 for usage errors or an unusable model).

        Probabilities are calibrated on validation images. An answer whose top probability \
        is below a minimum, or whose input is unlike the training images (its logits' free \
        energy is above a threshold), is flagged: "[low confidence]" in text, \
        low_confidence true in TSV, CSV and JSON. The model holds two sets of thresholds: \
        one for crops and product shots on an even background (0.5, and the energy of the \
        top 1% of validation images), and a stricter one for photos colour segmentation \
        had to find the garment in (`cnnclassify info` shows both).

        Examples:
          cnnclassify shirt.png
          cnnclassify --top 3 photos/
          cnnclassify --format json *.jpg
          find . -name '*.png' | cnnclassify --files-from - --format tsv
          cnnclassify --format tsv photos/ | sort -t$'\\t' -k3 -g   # least sure first
          cnnclassify - < shoe.jpg
          ls *.png | cnnclassify --files-from - --shard 2/4      # the second quarter
          cnnclassify --shard auto --output part-$SLURM_ARRAY_TASK_ID.txt big/
          cnnclassify --explain why/ shoe.jpg                  # why/00001-shoe.png: input and heatmap
        """
}
