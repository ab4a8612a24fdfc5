import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

/// `kinerja.v1.AdminService`: status, reload, audit trail, backup.
struct AdminService: Kinerja_V1_AdminService.SimpleServiceProtocol {
    let state: DaemonState

    func status(request: Kinerja_V1_StatusRequest, context: ServerContext) async throws -> Kinerja_V1_StatusResponse {
        let caller = try context.caller()
        let settings = state.settings
        let store = state.store
        var response = Kinerja_V1_StatusResponse()
        response.version = Kinerja.version
        response.pid = Int64(getpid())
        response.uptimeSeconds = Int64(Date().timeIntervalSince(state.startedAt))
        response.startedAt = state.startedAtText
        response.stateDir = settings.stateDir
        response.socket = settings.socketPath
        response.socketActivated = state.socketActivated
        response.logLevel = "\(state.logLevel.value)"
        response.configPath = settings.configPath ?? ""
        let info = try store.info()
        response.database = .with {
            $0.path = store.path
            $0.schemaVersion = Int64(info.schemaVersion)
            $0.sizeBytes = info.sizeBytes
            $0.sqliteVersion = info.sqliteVersion
        }
        if let reload = state.lastReload {
            response.lastReload = .with {
                $0.time = UTCTime.format(reload.time)
                $0.ok = reload.error == nil
                $0.error = reload.error ?? ""
            }
        }
        response.caller = caller.info
        return response
    }

    func whoAmI(request: Kinerja_V1_WhoAmIRequest, context: ServerContext) async throws -> Kinerja_V1_CallerInfo {
        try context.caller().info
    }

    func reload(request: Kinerja_V1_ReloadRequest, context: ServerContext) async throws -> Kinerja_V1_ReloadResponse {
        let caller = try context.caller()
        let outcome = await Blocking.run { state.reload() }
        try await state.store.write { db in
            try Audit.record(
                db, actor: caller.auditActor, rpc: "Reload", target: state.settings.configPath ?? "",
                summary: outcome.error.map { "refused: \($0)" } ?? "configuration reloaded")
        }
        return .with {
            $0.result.time = UTCTime.format(outcome.time)
            $0.result.ok = outcome.error == nil
            $0.result.error = outcome.error ?? ""
        }
    }

    func listAudit(request: Kinerja_V1_ListAuditRequest, context: ServerContext) async throws -> Kinerja_V1_ListAuditResponse {
        let since: Date?
        if request.since.isEmpty {
            since = nil
        } else if let parsed = UTCTime.parse(request.since) {
            since = parsed
        } else {
            throw RPCError(code: .invalidArgument, message: "since: '\(Quote.short(request.since))' is not an RFC 3339 time such as 2026-03-01T00:00:00Z")
        }
        let limit = try RequestLimits.limit(request.limit, default: 100)
        for (name, value) in [("rpc", request.rpc), ("target", request.target), ("actor_nip", request.actorNip)] where value.utf8.count > 200 {
            throw RPCError(code: .invalidArgument, message: "\(name): at most 200 characters")
        }
        func given(_ text: String) -> String? { text.isEmpty ? nil : text }
        let filter = Audit.Filter(since: since, rpc: given(request.rpc), target: given(request.target), actorNIP: given(request.actorNip))
        let entries = try await state.store.read { db in try Audit.list(db, filter, limit: limit) }
        return .with {
            $0.entries = entries.map { e in
                .with {
                    $0.id = e.id
                    $0.time = e.time
                    $0.uid = e.uid
                    $0.pid = e.pid
                    $0.role = e.role
                    $0.actorNip = e.actorNip
                    $0.rpc = e.rpc
                    $0.target = e.target
                    $0.summary = e.summary
                }
            }
        }
    }

    func backup(request: Kinerja_V1_BackupRequest, response: RPCWriter<Kinerja_V1_BackupChunk>, context: ServerContext) async throws {
        let caller = try context.caller()
        let store = state.store
        let dir = state.settings.stateDir + "/backups"
        let temp = dir + "/backup-\(getpid())-\(UUID().uuidString).db"
        let size = try await Blocking.run { () throws -> Int64 in
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // The copy is made in the state directory, then streamed: say so when it cannot fit there.
            let needed = try store.sizeBytes()
            if let free = StorageFault.freeBytes(dir), free < needed + (1 << 20) {
                throw RPCError(
                    code: .resourceExhausted,
                    message: "backup needs about \(needed) bytes in \(dir) to make its copy before streaming it; \(free) bytes are free there")
            }
            let size = try store.backup(to: temp)
            try store.writeNow { db in
                try Audit.record(db, actor: caller.auditActor, rpc: "Backup", target: store.path, summary: "online backup, \(size) bytes")
            }
            return size
        }
        defer { try? FileManager.default.removeItem(atPath: temp) }
        guard let handle = FileHandle(forReadingAtPath: temp) else {
            throw RPCError(code: .internalError, message: "the backup copy vanished before it could be sent")
        }
        defer { try? handle.close() }
        while true {
            let data = try handle.read(upToCount: 1 << 20) ?? Data()
            if data.isEmpty { break }
            try await response.write(.with { $0.data = data })
        }
        try await response.write(
            .with {
                $0.done = true
                $0.sizeBytes = size
            })
    }
}

extension Caller {
    var info: Kinerja_V1_CallerInfo {
        .with {
            $0.uid = Int64(credentials.uid)
            $0.gid = Int64(credentials.gid)
            $0.pid = Int64(credentials.pid)
            $0.role = role.description
            $0.actorNip = actorNIP
        }
    }
}
