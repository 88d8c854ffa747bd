import CNN
import Datasets
import Foundation
import Reports

extension Train {
    /// What happens at the end of every epoch: a diverged run stops, progress and the metrics log
    /// are written, and a checkpoint is saved (or, after the last epoch, the averaging announced).
    func epochHandler(session: TrainingSession, display: ProgressDisplay, metricsLog: MetricsLog?,
                      checkpointPath: String) -> (Trainer.EpochReport) throws -> Void {
        let c = session.trainer.state.configuration
        let network = session.network
        return { report in
            guard report.trainLoss.isFinite else {
                let kept = FileManager.default.fileExists(atPath: checkpointPath) ? "; the last good checkpoint is \(checkpointPath)" : ""
                throw CommandFailure(message: "training diverged at epoch \(report.epoch) (the loss is not a number); try a lower --lr" + kept)
            }
            display.epochFinished(report)
            try metricsLog?.append(report)
            if report.epoch < c.epochs {
                // A checkpoint is insurance: failing to write one is said, and training goes on.
                do {
                    try session.saveCheckpoint(to: checkpointPath)
                } catch {
                    display.message("warning: \(error); training goes on without a checkpoint for epoch \(report.epoch)")
                }
            } else if let averaging = c.averaging {
                display.message("averaging the weights of epochs \(averaging.startEpoch)–\(c.epochs)"
                    + (network.hasBatchNormalisation ? "; measuring batch-norm statistics again over the training images" : ""))
            }
        }
    }

    /// Writes the trained model, and the training curves when `--report` asks for them.
    func write(_ session: TrainingSession, to outputPath: String) throws {
        let trained = session.header
        do {
            try ModelFile.write(session.network, header: trained, to: outputPath)
        } catch {
            // The disk may have filled during training: keep the model where checkpoints go.
            let rescue = (checkpointDir as NSString).appendingPathComponent("\(trained.architecture.name).unsaved.cnnw")
            guard (try? ModelFile.write(session.network, header: trained, to: rescue)) != nil else { throw error }
            throw CommandFailure(message: "\(error); the trained model was written to \(rescue) instead")
        }
        guard let report else { return }
        let epochs = (session.trainer.state.history ?? []).map {
            TrainingCurves.Epoch(epoch: $0.epoch, trainLoss: $0.trainLoss, trainAccuracy: $0.trainAccuracy,
                                 validationLoss: $0.validationLoss, validationAccuracy: $0.validationAccuracy)
        }
        let svg = TrainingCurves.svg(epochs, title: "Training \(trained.architecture.name): \((outputPath as NSString).lastPathComponent)")
        try writeReport(Array(svg.utf8), named: "training-curves.svg", in: report)
    }
}
