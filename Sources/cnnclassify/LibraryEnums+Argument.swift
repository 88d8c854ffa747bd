import ArgumentParser
import CNN
import Classifier
import Imaging

// The libraries' choices, taken as they are on the command line: their raw values are the words
// users type, and `CaseIterable` lists them in the help.
extension OptimizerKind: ExpressibleByArgument {}
extension Shard.Split: ExpressibleByArgument {}
extension LabelledPhotos.Part: ExpressibleByArgument {}
extension PredictionFormatter.Format: ExpressibleByArgument {}
extension Preprocessor.Polarity: ExpressibleByArgument {}
extension Preprocessor.Mode: ExpressibleByArgument {}
