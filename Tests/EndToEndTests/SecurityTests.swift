import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaFixtures
import KinerjaStore
import Testing

/// A daemon whose socket another uid can reach (the test opens the directory and socket on purpose, so that
/// the daemon's own peer-credential check is what is tested).
func openDaemon(config: String) async throws -> Daemon {
    let dir = try shortTemporaryDirectory("kp")
    chmod(dir, 0o755)
    let path = dir + "/kinerjad.toml"
    try config.write(toFile: path, atomically: true, encoding: .utf8)
    let daemon = try Daemon(socket: dir + "/k.sock", extraArguments: ["--config", path])
    try await daemon.waitReady()
    chmod(daemon.socket, 0o666)
    return daemon
}

@Suite(.serialized, .enabled(if: isRoot, "switching uid with setpriv needs root"))
struct PeerCredentialTests {
    @Test func aStrangerIsRefusedWithTheirUidAndTheKeyThatWouldAdmitThem() async throws {
        let daemon = try await openDaemon(config: "")
        let result = try await daemon.ctl(["status"], asUser: 65534)
        #expect(result.status == 1)
        #expect(result.stderr.contains("PERMISSION_DENIED"), "\(result.stderr)")
        #expect(result.stderr.contains("uid 65534"))
        #expect(result.stderr.contains("security.operator_users"))
        // A forged credential header changes nothing.
        let forged = try await daemon.ctl(["status", "--metadata", "kinerja-peer-cred=0:0:1"], asUser: 65534)
        #expect(forged.status == 1)
        #expect(forged.stderr.contains("uid 65534"))
        #expect(await daemon.stop() == 0)
    }

    @Test func anOperatorReadsButCannotCallAdminRPCs() async throws {
        let daemon = try await openDaemon(config: "[security]\noperator_users = [\"65534\"]\n")
        let status = try await daemon.ctl(["status", "-o", "json"], asUser: 65534)
        #expect(status.status == 0, "\(status.stderr)")
        let caller = try #require(try jsonObject(status.stdout)["caller"] as? [String: Any])
        #expect((caller["uid"] as? NSNumber)?.intValue == 65534)
        #expect(caller["role"] as? String == "operator")

        for command in [["reload"], ["backup", "/tmp/never-\(UUID().uuidString).db"]] {
            let denied = try await daemon.ctl(command, asUser: 65534)
            #expect(denied.status == 1, "\(command)")
            #expect(denied.stderr.contains("PERMISSION_DENIED"), "\(denied.stderr)")
            #expect(denied.stderr.contains("needs the admin role"))
        }
        // Claiming to be root in a header does not help.
        let forged = try await daemon.ctl(["reload", "--metadata", "kinerja-peer-cred=0:0:1", "--metadata", "kinerja-peer-uid=0"], asUser: 65534)
        #expect(forged.status == 1)
        #expect(forged.stderr.contains("PERMISSION_DENIED"))
        // Refused calls changed nothing, and each is audited as refused (uid, RPC, the reason).
        func rows() async throws -> [[String: Any]] {
            let audit = try await daemon.ctl(["audit", "list", "-o", "json"])
            return (try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]] ?? []).filter {
                ($0["uid"] as? NSNumber)?.intValue == 65534
            }
        }
        #expect(try await eventually(10) { try await rows().count == 3 })
        let refused = try await rows()
        #expect(refused.allSatisfy { ($0["summary"] as? String)?.hasPrefix("denied: ") == true }, "\(refused)")
        #expect(Set(refused.compactMap { $0["rpc"] as? String }) == ["Reload", "Backup"])
        let filtered = try await daemon.ctl(["audit", "list", "--rpc", "Backup", "-o", "json"])
        #expect((try JSONSerialization.jsonObject(with: Data(filtered.stdout.utf8)) as? [Any])?.count == 1, "\(filtered.stdout)")
        #expect(await daemon.stop() == 0)
    }

    @Test func actorMetadataIsHonouredOnlyForAGateway() async throws {
        let daemon = try await openDaemon(config: "[security]\ngateway_users = [\"65533\"]\noperator_users = [\"65534\"]\n")
        let nip = "198503152010011001"
        let gateway = try await daemon.ctl(["whoami", "-o", "json", "--actor-nip", nip], asUser: 65533)
        #expect(gateway.status == 0, "\(gateway.stderr)")
        let g = try jsonObject(gateway.stdout)
        #expect(g["role"] as? String == "gateway")
        #expect(g["actor_nip"] as? String == nip)
        // A gateway may not read the daemon's status (operator).
        let status = try await daemon.ctl(["status"], asUser: 65533)
        #expect(status.status == 1)
        #expect(status.stderr.contains("needs the operator role"))
        // From an operator (and from root) the header is ignored.
        let op = try jsonObject(try await daemon.ctl(["whoami", "-o", "json", "--actor-nip", nip], asUser: 65534).stdout)
        #expect(op["role"] as? String == "operator")
        #expect(op["actor_nip"] as? String == "")
        let root = try jsonObject(try await daemon.ctl(["whoami", "-o", "json", "--actor-nip", nip]).stdout)
        #expect(root["role"] as? String == "admin")
        #expect(root["actor_nip"] as? String == "")
        #expect(await daemon.stop() == 0)
    }
}

@Suite(.serialized) struct AuditAndBackupTests {
    @Test func reloadIsAuditedWithTheCaller() async throws {
        let daemon = try Daemon()
        try await daemon.waitReady()
        #expect(try await daemon.ctl(["reload"]).status == 0)
        let audit = try await daemon.ctl(["audit", "list", "-o", "json"])
        #expect(audit.status == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
        let row = try #require(rows.first)
        #expect(row["rpc"] as? String == "Reload")
        #expect((row["uid"] as? NSNumber)?.uint32Value == getuid())
        #expect(row["role"] as? String == "admin")
        #expect(((row["pid"] as? NSNumber)?.intValue ?? 0) > 0)
        #expect((row["time"] as? String)?.hasSuffix("Z") == true)
        let since = try await daemon.ctl(["audit", "list", "--since", "2999-01-01T00:00:00Z", "-o", "json"])
        #expect(since.status == 0)
        #expect((try JSONSerialization.jsonObject(with: Data(since.stdout.utf8)) as? [Any])?.isEmpty == true)
        let bad = try await daemon.ctl(["audit", "list", "--since", "yesterday"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("INVALID_ARGUMENT"))
        #expect(await daemon.stop() == 0)
    }

    @Test func backupUnderConcurrentWritesIsCompleteAndOpensWithKinerjad() async throws {
        let daemon = try Daemon()
        try await daemon.waitReady()
        // Writers: every Reload appends an audit row in its own transaction. A separate process, so that its
        // progress does not depend on this test runner's threads; it writes until the backup is taken (at most 150).
        let stopFile = try shortTemporaryDirectory("kw") + "/stop"
        let writer = try ChildProcess(
            "/bin/sh",
            [
                "-c", "i=0; while [ $i -lt 150 ] && [ ! -e \"$2\" ]; do \"$0\" reload --socket \"$1\" >/dev/null || exit 1; i=$((i+1)); done",
                Binaries.kinerjactl, daemon.socket, stopFile,
            ],
            environment: Daemon.environment())
        // Take the backup only once the writers are under way.
        let started = Date()
        while Date().timeIntervalSince(started) < 60 {
            let rows = try JSONSerialization.jsonObject(with: Data(try await daemon.ctl(["audit", "list", "-o", "json"]).stdout.utf8)) as? [Any]
            if (rows?.count ?? 0) >= 5 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let dir = try shortTemporaryDirectory("kb")
        let file = dir + "/copy.db"
        let result = try await daemon.ctl(["backup", file])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.createFile(atPath: stopFile, contents: nil))
        #expect(await writer.waitAsync(timeout: 120) == 0)
        let copy = try DatabaseQueue(path: file)
        let (check, rows) = try await copy.read { db in
            (try String.fetchOne(db, sql: "PRAGMA integrity_check"), try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log") ?? 0)
        }
        #expect(check == "ok")
        #expect(rows >= 5)
        try copy.close()
        // Backing up onto an existing file is refused before anything is written.
        let again = try await daemon.ctl(["backup", file])
        #expect(again.status == 2)
        #expect(await daemon.stop() == 0)

        // The copy is a working state directory.
        let restoredDir = dir + "/restored"
        try FileManager.default.createDirectory(atPath: restoredDir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: file, toPath: restoredDir + "/kinerja.db")
        let restored = try Daemon(stateDir: restoredDir)
        try await restored.waitReady()
        let status = try jsonObject(try await restored.ctl(["status", "-o", "json"]).stdout)
        #expect(((status["database"] as? [String: Any])?["schema_version"] as? NSNumber)?.intValue == Store.latestSchemaVersion)
        let audit = try await restored.ctl(["audit", "list", "--limit", "1000", "-o", "json"])
        let restoredRows = try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(restoredRows.count == rows)
        #expect(await restored.stop() == 0)
    }
}

/// Roles come from the calling process's own groups (SO_PEERGROUPS), not from the group database.
@Suite(.serialized, .enabled(if: isRoot, "switching uid and groups with setpriv needs root"))
struct PeerGroupTests {
    func ctl(_ daemon: Daemon, gid: UInt32, groups: [UInt32]?, _ args: [String]) async throws -> ProcessResult {
        let groupArgs = groups.map { $0.isEmpty ? ["--clear-groups"] : ["--groups=" + $0.map(String.init).joined(separator: ",")] } ?? ["--clear-groups"]
        return try await runProcess(
            "/usr/bin/setpriv", ["--reuid=65534", "--regid=\(gid)"] + groupArgs + [Binaries.kinerjactl] + args + ["--socket", daemon.socket],
            environment: Daemon.environment())
    }

    func role(_ r: ProcessResult) async throws -> String? {
        guard r.status == 0 else { return nil }
        return (try jsonObject(r.stdout)["role"] as? String)
    }

    @Test func aSupplementaryGroupTheProcessHoldsCountsAndADroppedOneDoesNot() async throws {
        let daemon = try await openDaemon(config: "[security]\noperator_groups = [\"4242\", \"65534\"]\ngateway_groups = [\"4343\"]\n")
        // 4242 is in no group database entry for nobody: held by the process, it makes an operator.
        #expect(try await role(ctl(daemon, gid: 4000, groups: [4242], ["whoami", "-o", "json"])) == "operator")
        // nobody's primary group in the user database is 65534; a process that runs with another gid and no groups
        // does not have it.
        let dropped = try await ctl(daemon, gid: 4000, groups: [], ["whoami", "-o", "json"])
        #expect(dropped.status == 1 && dropped.stderr.contains("PERMISSION_DENIED"), "\(dropped.stderr)")
        #expect(try await role(ctl(daemon, gid: 65534, groups: [], ["whoami", "-o", "json"])) == "operator")
        // A gateway group wins over the operators' group: the portal's user stays a gateway.
        #expect(try await role(ctl(daemon, gid: 4000, groups: [4242, 4343], ["whoami", "-o", "json"])) == "gateway")
        let status = try await ctl(daemon, gid: 4000, groups: [4242, 4343], ["status"])
        #expect(status.status == 1 && status.stderr.contains("needs the operator role"), "\(status.stderr)")
        #expect(await daemon.stop() == 0)
    }
}
