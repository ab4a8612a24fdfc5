import ArgumentParser
import Foundation

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Path of kinerjad's Unix socket (env KINERJA_SOCKET).")
    var socket: String?

    @Option(name: .long, help: "The agency's daemon on a server hosting several: its socket /run/kinerja/CODE.sock.")
    var agency: String?

    @Option(name: [.short, .customLong("output")], help: "table (for people) or json (for scripts).")
    var output: OutputFormat = .table

    @Option(name: .long, help: "Give up after this many seconds (default 30; imports, exports and long reports 600).")
    var timeout: Double?

    /// For portal developers: act for an employee, as a gateway account does. Ignored unless the caller's
    /// account is configured as a gateway.
    @Option(name: .customLong("actor-nip"), help: ArgumentHelp("Act for this employee (gateway accounts only).", visibility: .hidden))
    var actorNIP: String?

    /// For portal developers and tests: extra request metadata, KEY=VALUE, repeatable.
    @Option(name: .customLong("metadata"), help: ArgumentHelp("Extra request metadata KEY=VALUE.", visibility: .hidden))
    var metadata: [String] = []

    func validate() throws { try checkAgencyCode(agency) }

    var socketPath: String {
        resolveSocketPath(
            flag: socket ?? agency.map(agencySocket), environment: ProcessInfo.processInfo.environment,
            currentDirectory: FileManager.default.currentDirectoryPath)
    }
}

/// The same rules the daemon uses for its default: local first, then the system service's socket.
func resolveSocketPath(flag: String?, environment: [String: String], currentDirectory: String) -> String {
    func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : currentDirectory + "/" + p }
    if let flag, !flag.isEmpty { return absolute(flag) }
    if let env = environment["KINERJA_SOCKET"], !env.isEmpty { return absolute(env) }
    let local = currentDirectory + "/.kinerja/kinerja.sock"
    if FileManager.default.fileExists(atPath: local) { return local }
    let system = "/run/kinerja/kinerja.sock"
    if FileManager.default.fileExists(atPath: system) { return system }
    return local
}

/// The socket of one agency's daemon under the template units (`kinerjad@CODE.socket`).
func agencySocket(_ code: String) -> String { "/run/kinerja/\(code).sock" }

/// An agency code names a file in /run/kinerja: letters, digits, '-', '_' and '.', not starting with '.'.
func checkAgencyCode(_ code: String?) throws {
    guard let code else { return }
    let allowed = code.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
    if code.isEmpty || code.count > 64 || code.hasPrefix(".") || !allowed {
        throw ValidationError("--agency '\(code.prefix(64))' is not an agency code (letters, digits, '-', '_' and '.'; as in kinerjad@CODE)")
    }
}
