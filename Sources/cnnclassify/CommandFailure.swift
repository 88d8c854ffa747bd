/// An error the command has already put into words, with its exit status.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 2
}
