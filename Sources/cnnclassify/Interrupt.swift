import Foundation

/// Ctrl-C during training: the first one asks the trainer to stop at the next batch boundary and
/// save a checkpoint; a second one ends the process at once.
enum Interrupt {
    nonisolated(unsafe) private static var requested: sig_atomic_t = 0

    static func install() {
        signal(SIGINT) { _ in
            if Interrupt.requested != 0 { _exit(130) }
            Interrupt.requested = 1
        }
    }

    static var wasRequested: Bool { requested != 0 }
}
