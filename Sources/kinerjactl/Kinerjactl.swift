import ArgumentParser
import Foundation

@main
enum Main {
    static func main() async {
        let code = await CLI.run(arguments: Array(CommandLine.arguments.dropFirst()))
        exit(code)
    }
}

struct Kinerjactl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinerjactl",
        abstract: "Administer a running kinerjad over its Unix socket.",
        discussion: """
            The socket is --socket, else $KINERJA_SOCKET, else ./.kinerja/kinerja.sock when it exists, \
            else /run/kinerja/kinerja.sock. Exit codes: 0 success, 1 the daemon refused the request, \
            2 usage error, 69 the daemon cannot be reached.
            """,
        subcommands: [
            StatusCommand.self, WhoAmICommand.self, ReloadCommand.self, AuditCommand.self, BackupCommand.self,
            AgencyCommand.self, UnitCommand.self, EmployeeCommand.self, ActingCommand.self, PluginCommand.self, PeriodCommand.self, SKPCommand.self,
            RealisasiCommand.self,
            ActivityCommand.self,
            RatingCommand.self, FeedbackCommand.self, AppraisalCommand.self, TPPCommand.self, ReminderCommand.self, OutboxCommand.self, AccountCommand.self,
        ])
}

/// Runs the command line and turns every outcome into an exit code: never a stack trace.
enum CLI {
    static func run(arguments: [String]) async -> Int32 {
        do {
            var command = try Kinerjactl.parseAsRoot(arguments)
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("kinerjactl: \(error.message)\n".utf8))
            return error.exitCode
        } catch {
            let code = Kinerjactl.exitCode(for: error)
            if code == .success {
                // --help and --version
                print(Kinerjactl.fullMessage(for: error))
                return 0
            }
            FileHandle.standardError.write(Data((Kinerjactl.fullMessage(for: error) + "\n").utf8))
            // Usage errors exit 2, like other Unix tools.
            return code == .validationFailure ? 2 : code.rawValue == 1 ? 1 : 2
        }
    }
}

struct CLIError: Error {
    var exitCode: Int32
    var message: String

    static func usage(_ message: String) -> CLIError { CLIError(exitCode: 2, message: message) }
    static func failed(_ message: String) -> CLIError { CLIError(exitCode: 1, message: message) }
}
