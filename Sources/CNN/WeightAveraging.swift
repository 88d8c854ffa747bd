/// Stochastic weight averaging (Izmailov et al., 2018): the learning rate decays on its schedule
/// for the first `startEpoch` epochs to `learningRate`, stays there for the rest of the run, and the
/// trained network is the average of the weights at the end of epoch `startEpoch` and of every
/// later one. SGD at a constant rate circles a wide minimum; the average sits nearer its centre,
/// which tends to generalise better than the points around it. Averaged weights change the
/// activations' statistics, so batch normalisation's running averages are measured afresh on the
/// training images afterwards.
public struct WeightAveraging: Codable, Equatable, Sendable {
    /// The epoch whose end gives the first averaged snapshot; the decaying schedule spans epochs
    /// 1 through it.
    public var startEpoch: Int
    /// The learning rate the schedule decays to and then keeps.
    public var learningRate: Float

    public init(startEpoch: Int, learningRate: Float) {
        self.startEpoch = startEpoch
        self.learningRate = learningRate
    }

    /// The learning rate at `step`: `schedule` run over the first `startEpoch` epochs and mapped
    /// from [0, 1] onto [`learningRate`, `base`], then `learningRate`.
    public func rate(base: Float, schedule: LearningRateSchedule, step: Int, stepsPerEpoch: Int) -> Float {
        let decaySteps = startEpoch * stepsPerEpoch
        guard step < decaySteps else { return learningRate }
        let fraction = schedule.rate(base: 1, step: step, stepsPerEpoch: stepsPerEpoch, totalSteps: decaySteps)
        return learningRate + (base - learningRate) * fraction
    }
}
