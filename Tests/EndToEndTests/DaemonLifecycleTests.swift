import CoreFoundation
import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaFixtures
import KinerjaStore
import Testing

@Suite(.serialized) struct DaemonLifecycleTests {
    @Test func statusThroughKinerjactlAndTheSwiftClientThenCleanStop() async throws {
        let daemon = try Daemon()
        try await daemon.waitReady()

        let result = try await daemon.ctl(["status", "-o", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let status = try jsonObject(result.stdout)
        #expect(status["version"] as? String == "0.1.0")
        #expect((status["pid"] as? NSNumber)?.int32Value == daemon.pid)
        #expect((status["uptime_seconds"] as? NSNumber) != nil)
        #expect(status["state_dir"] as? String == daemon.stateDir)
        #expect(status["socket"] as? String == daemon.socket)
        let database = try #require(status["database"] as? [String: Any])
        #expect(database["path"] as? String == daemon.stateDir + "/kinerja.db")
        #expect((database["schema_version"] as? NSNumber)?.intValue == Store.latestSchemaVersion)
        #expect(((database["size_bytes"] as? NSNumber)?.intValue ?? 0) > 0)
        #expect((database["sqlite_version"] as? String)?.hasPrefix("3.") == true)

        // The socket is 0660.
        let attributes = try FileManager.default.attributesOfItem(atPath: daemon.socket)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o660)

        // The generated Swift client gets the same answer.
        let viaClient = try await withClient(daemon.socket) { admin in try await admin.status(.init()) }
        #expect(viaClient.pid == Int64(daemon.pid))
        #expect(viaClient.database.schemaVersion == Int64(Store.latestSchemaVersion))
        #expect(viaClient.caller.uid == Int64(getuid()))
        #expect(viaClient.caller.role == "admin")

        // SIGTERM: exit 0, socket removed, database sound.
        #expect(await daemon.stop(signal: SIGTERM) == 0, "\(daemon.log)")
        #expect(!FileManager.default.fileExists(atPath: daemon.socket))
        let db = try DatabaseQueue(path: daemon.stateDir + "/kinerja.db")
        #expect(try await db.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
        try db.close()
    }

    /// A connection closes when its client closes it: a child process started meanwhile does not inherit it (SwiftNIO
    /// opens sockets without close-on-exec), so the daemon, asked to stop, is not left waiting on it.
    @Test func aConnectionIsNotHeldOpenByAChildStartedWhileItWasOpen() async throws {
        let daemon = try Daemon()
        try await daemon.waitReady()
        var sleeper: ChildProcess?
        let status = try await withClient(daemon.socket) { admin in
            let status = try await admin.status(.init())
            sleeper = try ChildProcess("/bin/sleep", ["120"])
            return status
        }
        defer { sleeper?.signal(SIGKILL) }
        #expect(status.pid == Int64(daemon.pid))
        let asked = Date()
        #expect(await daemon.stop(signal: SIGTERM, timeout: 20) == 0)
        #expect(Date().timeIntervalSince(asked) < 10, "the daemon waited on a connection its client had closed")
    }

    /// What a child gets from `Spawn`: its standard streams, nothing else that was open here.
    @Test func aChildInheritsOnlyItsStandardStreams() async throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        var pipeFDs: [Int32] = [0, 0]
        #expect(pipe(&pipeFDs) == 0)
        defer { (pair + pipeFDs).forEach { close($0) } }
        let r = try await runProcess("/bin/sh", ["-c", #"for f in /proc/$$/fd/*; do readlink "$f"; done; exit 0"#])
        #expect(r.status == 0)
        let held = r.stdout.split(separator: "\n")
        #expect(held.count >= 3, "\(held)")
        #expect(!held.contains { $0.hasPrefix("socket:") || $0.hasPrefix("pipe:") }, "\(held)")
    }

    @Test func sigintAlsoStopsCleanly() async throws {
        let daemon = try Daemon()
        try await daemon.waitReady()
        #expect(await daemon.stop(signal: SIGINT) == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socket))
    }

    @Test func secondDaemonOnTheSameStateDirIsRefused() async throws {
        let first = try Daemon()
        try await first.waitReady()
        let otherSocket = try shortTemporaryDirectory("ks") + "/other.sock"
        let second = try await runProcess(Binaries.kinerjad, ["--state-dir", first.stateDir, "--socket", otherSocket], timeout: 20)
        #expect(second.status != 0)
        #expect(second.stderr.contains("pid \(first.pid)"), "\(second.stderr)")
        #expect(second.stderr.contains(first.stateDir))
        // The first one is untouched.
        #expect(try await first.ctl(["status"]).status == 0)
        #expect(await first.stop() == 0)
    }

    @Test func aLiveSocketIsNotStolen() async throws {
        let first = try Daemon()
        try await first.waitReady()
        let otherState = try shortTemporaryDirectory("ks") + "/state"
        let second = try await runProcess(Binaries.kinerjad, ["--state-dir", otherState, "--socket", first.socket], timeout: 20)
        #expect(second.status != 0)
        #expect(second.stderr.contains("in use"), "\(second.stderr)")
        #expect(try await first.ctl(["status"]).status == 0)
        #expect(await first.stop() == 0)
    }

    @Test func aStaleSocketFromACrashIsReplaced() async throws {
        let first = try Daemon()
        try await first.waitReady()
        // SIGKILL leaves the socket file behind.
        #expect(await first.stop(signal: SIGKILL) != 0)
        #expect(FileManager.default.fileExists(atPath: first.socket))
        let second = try Daemon(stateDir: first.stateDir, socket: first.socket)
        try await second.waitReady()
        let result = try await second.ctl(["status", "-o", "json"])
        #expect(result.status == 0)
        #expect((try jsonObject(result.stdout)["pid"] as? NSNumber)?.int32Value == second.pid)
        #expect(await second.stop() == 0)
    }

    @Test func kinerjactlWithoutADaemonExits69WithOneLine() async throws {
        let dir = try shortTemporaryDirectory("kc")
        let socket = dir + "/missing.sock"
        let result = try await runProcess(Binaries.kinerjactl, ["status", "--socket", socket])
        #expect(result.status == 69)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(socket))
        #expect(result.stderr.contains("make run"))
        #expect(result.stdout.isEmpty)
        // KINERJA_SOCKET is honoured the same way.
        var env = ProcessInfo.processInfo.environment
        env["KINERJA_SOCKET"] = socket
        let viaEnv = try await runProcess(Binaries.kinerjactl, ["status"], environment: env)
        #expect(viaEnv.status == 69)
        #expect(viaEnv.stderr.contains(socket))
    }

    @Test func usageErrorsExit2() async throws {
        let result = try await runProcess(Binaries.kinerjactl, ["status", "--no-such-flag"])
        #expect(result.status == 2)
        #expect(!result.stderr.isEmpty)
        let unknown = try await runProcess(Binaries.kinerjactl, ["frobnicate"])
        #expect(unknown.status == 2)
        // Refused by kinerjactl itself, before it looks for a daemon: nothing to set, a negative limit.
        let nothing = try await runProcess(Binaries.kinerjactl, ["agency", "set", "--socket", "/nonexistent/k.sock"])
        #expect(nothing.status == 2, "\(nothing.stderr)")
        let negative = try await runProcess(Binaries.kinerjactl, ["audit", "list", "--limit=-1", "--socket", "/nonexistent/k.sock"])
        #expect(negative.status == 2, "\(negative.stderr)")
        let noNote = try await runProcess(Binaries.kinerjactl, ["skp", "return", "198503152010011001", "--period", "2025", "--socket", "/nonexistent/k.sock"])
        #expect(noNote.status == 2, "--note is required: \(noNote.stderr)")
        let noReason = try await runProcess(Binaries.kinerjactl, ["tpp", "unlock", "--month", "2026-03", "--socket", "/nonexistent/k.sock"])
        #expect(noReason.status == 2, "--reason is required: \(noReason.stderr)")
    }

    @Test func aBadConfigFileIsRefusedWithFileLineAndKey() async throws {
        let dir = try shortTemporaryDirectory("kc")
        let config = dir + "/kinerjad.toml"
        try "# test\nlog_level = \"info\"\n[security]\nadmin_user = [\"root\"]\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await runProcess(Binaries.kinerjad, ["--config", config, "--state-dir", dir + "/state"], timeout: 20)
        #expect(result.status == 78)
        #expect(result.stderr.contains("\(config):4: key 'security.admin_user': unknown key"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/state/kinerja.db"))
    }

    @Test func configFileSettingsApplyAndFlagsWin() async throws {
        let dir = try shortTemporaryDirectory("kc")
        let config = dir + "/kinerjad.toml"
        try "state_dir = \"\(dir)/from-config\"\nsocket = \"\(dir)/config.sock\"\nlog_level = \"warning\"\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        // Daemon() passes --state-dir/--socket/--log-level; here only --config and --log-level.
        let process = try ChildProcess(Binaries.kinerjad, ["--config", config, "--log-level", "notice"], environment: Daemon.environment())
        defer {
            process.signal(SIGTERM)
            _ = process.wait(timeout: 30)
        }
        let deadline = Date().addingTimeInterval(30)
        while !socketAccepts(dir + "/config.sock") && Date() < deadline { await pause(0.02) }
        let result = try await runProcess(Binaries.kinerjactl, ["status", "-o", "json", "--socket", dir + "/config.sock"])
        #expect(result.status == 0, "\(result.stderr)")
        let status = try jsonObject(result.stdout)
        #expect(status["state_dir"] as? String == dir + "/from-config")
        #expect(status["log_level"] as? String == "notice")
        #expect(status["config_path"] as? String == config)
    }
}
