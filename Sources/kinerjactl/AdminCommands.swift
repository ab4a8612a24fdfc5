import ArgumentParser
import Foundation
import GRPCCore
import KinerjaAPI
import SwiftProtobuf

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show what the daemon is and how its database looks.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let s = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_AdminService.Client(wrapping: client).status(.init(), metadata: metadata, options: options)
        }
        if global.output == .json {
            var object: [String: Any] = [
                "version": s.version, "pid": s.pid, "uptime_seconds": s.uptimeSeconds, "started_at": s.startedAt,
                "state_dir": s.stateDir, "socket": s.socket, "socket_activated": s.socketActivated,
                "log_level": s.logLevel, "config_path": s.configPath,
                "database": [
                    "path": s.database.path, "schema_version": s.database.schemaVersion,
                    "size_bytes": s.database.sizeBytes, "sqlite_version": s.database.sqliteVersion,
                ] as [String: Any],
                "caller": [
                    "uid": s.caller.uid, "gid": s.caller.gid, "pid": s.caller.pid, "role": s.caller.role,
                    "actor_nip": s.caller.actorNip,
                ] as [String: Any],
            ]
            object["last_reload"] =
                s.hasLastReload
                ? ["time": s.lastReload.time, "ok": s.lastReload.ok, "error": s.lastReload.error] as [String: Any] : JSONNull()
            printJSON(object)
            return
        }
        var fields: [(String, String)] = [
            ("version", s.version),
            ("pid", "\(s.pid)"),
            ("uptime", formatDuration(s.uptimeSeconds) + " (since \(s.startedAt))"),
            ("state dir", s.stateDir),
            ("socket", s.socket + (s.socketActivated ? " (socket-activated)" : "")),
            ("config", s.configPath.isEmpty ? "(none)" : s.configPath),
            ("log level", s.logLevel),
            ("database", s.database.path),
            ("schema version", "\(s.database.schemaVersion)"),
            ("database size", formatBytes(s.database.sizeBytes)),
            ("sqlite", s.database.sqliteVersion),
            ("you", "uid \(s.caller.uid), role \(s.caller.role)" + (s.caller.actorNip.isEmpty ? "" : ", acting for \(s.caller.actorNip)")),
        ]
        if s.hasLastReload {
            fields.append(("last reload", s.lastReload.ok ? "\(s.lastReload.time) ok" : "\(s.lastReload.time) FAILED: \(s.lastReload.error)"))
        }
        printFields(fields)
    }
}

struct WhoAmICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show how the daemon sees you: uid, role, acting-for NIP.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let c = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_AdminService.Client(wrapping: client).whoAmI(.init(), metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(["uid": c.uid, "gid": c.gid, "pid": c.pid, "role": c.role, "actor_nip": c.actorNip])
        } else {
            printFields([("uid", "\(c.uid)"), ("gid", "\(c.gid)"), ("role", c.role), ("acting for", c.actorNip.isEmpty ? "-" : c.actorNip)])
        }
    }
}

struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reload", abstract: "Re-read the daemon's configuration file (as SIGHUP does).")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_AdminService.Client(wrapping: client).reload(.init(), metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(["time": r.result.time, "ok": r.result.ok, "error": r.result.error])
        } else if r.result.ok {
            print("configuration reloaded at \(r.result.time)")
        }
        if !r.result.ok {
            throw CLIError.failed("reload refused, the previous settings stay in force: \(r.result.error)")
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Read the audit trail.", subcommands: [AuditListCommand.self])
}

struct AuditListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List audit rows, newest first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only rows at or after this RFC 3339 time (e.g. 2026-03-01T00:00:00Z).") var since: String?
    @Option(help: "At most this many rows.") var limit: Int = 100
    @Option(help: "Only rows of this RPC (e.g. Login, ImportSKP).") var rpc: String?
    @Option(help: "Only rows whose target is exactly this (a NIP, a period, a unit).") var target: String?
    @Option(help: "Only calls a gateway made for this employee (NIP).") var actor: String?

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be a positive number") }
    }

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_AdminService.Client(wrapping: client).listAudit(
                .with {
                    $0.since = since ?? ""
                    $0.limit = Int32(clamping: limit)
                    $0.rpc = rpc ?? ""
                    $0.target = target ?? ""
                    $0.actorNip = actor ?? ""
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(
                r.entries.map { e in
                    [
                        "id": e.id, "time": e.time, "uid": e.uid, "pid": e.pid, "role": e.role, "actor_nip": e.actorNip,
                        "rpc": e.rpc, "target": e.target, "summary": e.summary,
                    ] as [String: Any]
                })
            return
        }
        printTable(
            ["ID", "TIME", "UID", "ROLE", "ACTOR", "RPC", "TARGET", "SUMMARY"],
            r.entries.map { ["\($0.id)", $0.time, "\($0.uid)", $0.role, $0.actorNip, $0.rpc, $0.target, $0.summary] })
    }
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write a consistent copy of the database to FILE while the daemon keeps serving.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Where to write the copy; must not exist.") var file: String

    func run() async throws {
        let path = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        if FileManager.default.fileExists(atPath: path) {
            throw CLIError.usage("\(path) already exists; choose a new file name")
        }
        let partial = path + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: partial)
        else {
            throw CLIError.failed("cannot create \(partial)")
        }
        let total: Int64
        let expected: Int64
        do {
            (total, expected) = try await withDaemon(global, .long) { client, options, metadata in
                try await Kinerja_V1_AdminService.Client(wrapping: client).backup(.init(), metadata: metadata, options: options) { response in
                    var received: Int64 = 0
                    var announced: Int64 = -1
                    for try await chunk in response.messages {
                        if !chunk.data.isEmpty {
                            try handle.write(contentsOf: chunk.data)
                            received += Int64(chunk.data.count)
                        }
                        if chunk.done { announced = chunk.sizeBytes }
                    }
                    return (received, announced)
                }
            }
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        guard expected == total else {
            try? FileManager.default.removeItem(atPath: partial)
            throw CLIError.failed("backup incomplete: received \(total) of \(expected) bytes; nothing was written")
        }
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        if global.output == .json {
            printJSON(["path": path, "size_bytes": total])
        } else {
            print("backup written to \(path) (\(formatBytes(total)))")
        }
    }
}
