import ArgumentParser
import CNN

extension Train {
    /// The help text after the usage line: what the command does, and examples.
    static let discussion = """
        Each architecture brings its own defaults; options given override them. \
        basic: two 3×3 convolutions, 128 hidden units; seed: the original \
        notebook's one 6×6 filter and 121→10 softmax; fashion: three 3×3 \
        convolutions with batch normalisation, 256 hidden units (the shipped \
        model, which Models/train-fashion.sh trains with photos mixed in).


        """ + ["basic", "seed", "fashion"].map { "\($0): \(TrainingRecipe.named[$0]!.summary)." }.joined(separator: "\n\n") + """


        Progress goes to stderr: a live bar on a terminal, otherwise one
        line per epoch. Ctrl-C stops at the next batch and saves a
        checkpoint; continue with --resume FILE. The same seed and
        --threads give bit-identical weights.

        Examples:
          cnnclassify train --arch fashion --seed 1 --epochs 50 --extra data/p:0.2
          cnnclassify train --arch basic --epochs 10 --seed 1
          cnnclassify train --arch seed --seed 3 --output Models/seed.cnnw
          cnnclassify train --resume checkpoints/basic.checkpoint.cnnw
        """
}
