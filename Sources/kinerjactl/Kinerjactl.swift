import ArgumentParser
import Foundation

@main
enum Main {
    static func main() async {
        // Output piped into `head` that stops reading ends the output, not the command with SIGPIPE (a script with
        // `set -o pipefail` would fail): as when grpc-swift's NIO transport ignored the signal for the whole process.
        signal(SIGPIPE, SIG_IGN)
        let code = await CLI.run(arguments: Array(CommandLine.arguments.dropFirst()))
        exit(code)
    }
}

struct Kinerjactl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinerjactl",
        abstract: "Administer a running kinerjad over its Unix socket.",
        discussion: """
            The socket is --socket, else --agency CODE (/run/kinerja/CODE.sock, for a server hosting several \
            agencies), else $KINERJA_SOCKET, else ./.kinerja/kinerja.sock when it exists, else \
            /run/kinerja/kinerja.sock. Global options (--socket, --agency, -o/--output, --timeout) go before or after \
            the subcommand. Exit codes: 0 success, 1 the daemon refused the request, 2 usage error, 69 the daemon \
            cannot be reached.
            """,
        version: kinerjaVersion,
        subcommands: [
            StatusCommand.self, WhoAmICommand.self, ReloadCommand.self, AuditCommand.self, BackupCommand.self,
            AgencyCommand.self, UnitCommand.self, EmployeeCommand.self, ActingCommand.self, PluginCommand.self, PeriodCommand.self, SKPCommand.self,
            RealisasiCommand.self,
            ActivityCommand.self,
            RatingCommand.self, FeedbackCommand.self, AppraisalCommand.self, TPPCommand.self, ReminderCommand.self, OutboxCommand.self, AccountCommand.self,
            CompletionCommand.self,
        ])
}

/// Runs the command line and turns every outcome into an exit code: never a stack trace.
enum CLI {
    static func run(arguments: [String]) async -> Int32 {
        do {
            var command = try Kinerjactl.parseAsRoot(GlobalArguments.moved(arguments))
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

/// kinerjactl's release; `kinerjad --version` says the same (`Kinerja.version`), which a test checks.
let kinerjaVersion = "0.1.0"

/// Global options given before the subcommand (`kinerjactl --socket S -o json employee list`), moved after it where
/// every command declares them, as kubectl and systemctl accept them.
enum GlobalArguments {
    /// Options that take a value, and those that do not.
    static let withValue: Set<String> = ["--socket", "--agency", "-o", "--output", "--timeout", "--actor-nip", "--metadata"]

    static func moved(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            guard withValue.contains(name) else { break }
            leading.append(a)
            if !a.contains("="), i + 1 < arguments.count {
                leading.append(arguments[i + 1])
                i += 1
            }
            i += 1
        }
        guard !leading.isEmpty, i < arguments.count else { return arguments }
        // The subcommand path and its own arguments, then the moved options (before a `--`, if any).
        var rest = Array(arguments[i...])
        if let dashes = rest.firstIndex(of: "--") {
            rest.insert(contentsOf: leading, at: dashes)
        } else {
            rest += leading
        }
        return rest
    }
}

struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion", abstract: "Print the shell completion script: kinerjactl completion bash > /etc/bash_completion.d/kinerjactl")
    @Argument(help: "bash, zsh or fish.") var shell: String

    func run() throws {
        guard let kind = CompletionShell(rawValue: shell) else { throw CLIError.usage("completion: shell must be bash, zsh or fish, not '\(shell)'") }
        print(Kinerjactl.completionScript(for: kind))
    }
}
