import Foundation
import KinerjaFixtures
import Testing

/// What ops expect of the daemon and the CLI: versions, global options anywhere, completions, health and reflection
/// for independent clients, backup and restore, and a database from a newer kinerjad refused.
@Suite(.serialized) struct OperationsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static var python: String { root + "/.build-venv/bin/python" }

    @Test func versionsGlobalOptionsAndCompletions() async throws {
        let daemonVersion = try await runProcess(Binaries.kinerjad, ["--version"])
        let ctlVersion = try await runProcess(Binaries.kinerjactl, ["--version"])
        #expect(daemonVersion.status == 0 && ctlVersion.status == 0)
        #expect(!daemonVersion.stdout.isEmpty && daemonVersion.stdout == ctlVersion.stdout, "\(daemonVersion.stdout) / \(ctlVersion.stdout)")
        let (daemon, _) = try await organisedDaemon()
        let status = try jsonObject(try await daemon.ctl(["status", "-o", "json"]).stdout)
        #expect(status["version"] as? String == ctlVersion.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        // Global options before the subcommand, after it, or mixed.
        let env = Daemon.environment()
        let before = try await runProcess(Binaries.kinerjactl, ["--socket", daemon.socket, "-o", "json", "employee", "list"], environment: env)
        let after = try await runProcess(Binaries.kinerjactl, ["employee", "list", "--socket", daemon.socket, "-o", "json"], environment: env)
        let mixed = try await runProcess(Binaries.kinerjactl, ["--socket=\(daemon.socket)", "employee", "list", "-o", "json"], environment: env)
        #expect(before.status == 0 && before.stdout == after.stdout && after.stdout == mixed.stdout, "\(before.stderr)\(after.stderr)\(mixed.stderr)")
        #expect(before.stdout.contains(budi))
        // --agency picks /run/kinerja/CODE.sock; a code that is not one is a usage error.
        let agency = try await runProcess(Binaries.kinerjactl, ["--agency", "kab-kupang", "status"], environment: env)
        #expect(agency.status == 69 && agency.stderr.contains("/run/kinerja/kab-kupang.sock"), "\(agency.stderr)")
        let bad = try await runProcess(Binaries.kinerjactl, ["status", "--agency", "../etc"], environment: env)
        #expect(bad.status == 2 && bad.stderr.contains("is not an agency code"))
        for shell in ["bash", "zsh", "fish"] {
            let script = try await runProcess(Binaries.kinerjactl, ["completion", shell])
            #expect(script.status == 0 && script.stdout.contains("kinerjactl") && script.stdout.contains("employee"), "\(shell)")
        }
        #expect(try await runProcess(Binaries.kinerjactl, ["completion", "tcsh"]).status == 2)
        #expect(await daemon.stop() == 0)
    }

    @Test func healthAndReflectionAnswerAnIndependentClient() async throws {
        let daemon = try Daemon()
        try await daemon.waitReady()
        let probe = try await runProcess(Self.python, [Self.root + "/tests/grpc/probe_health_reflection.py", daemon.socket], timeout: 120)
        #expect(probe.status == 0, "\(probe.stdout)\n\(probe.stderr)")
        #expect(probe.stdout.contains("ok   reflection describes kinerja.v1.Overview"))
        // A watcher hears SERVING, then NOT_SERVING when the daemon begins to stop, then its stream ends.
        let out = try shortTemporaryDirectory("kw") + "/watch.out"
        let watcher = try ChildProcess(Self.python, [Self.root + "/tests/grpc/probe_health_reflection.py", "--watch", daemon.socket], stdout: out, stderr: out)
        func heard() -> String { (try? String(contentsOfFile: out, encoding: .utf8)) ?? "" }
        #expect(await eventually(60) { heard().contains("SERVING") }, "the watcher heard nothing: \(heard())")
        #expect(await daemon.stop() == 0)
        #expect(await watcher.waitAsync(timeout: 30) == 0)
        let lines = heard().split(separator: "\n").map(String.init)
        #expect(lines.first == "SERVING" && lines.contains("NOT_SERVING") && lines.last == "end", "\(lines)")
    }

    @Test func backupThenRestoreRoundTripsAndRefusesWhatItMust() async throws {
        let (daemon, dir) = try await organisedDaemon()
        let backup = dir + "/backup.db"
        #expect(try await daemon.ctl(["backup", backup]).status == 0)
        // A change after the backup, then a restore while the daemon runs: refused (its lock is held).
        #expect(try await daemon.ctl(["period", "create", "2026"]).status == 0)
        let running = try await runProcess(Binaries.kinerjad, ["restore", backup, "--state-dir", daemon.stateDir])
        #expect(running.status == 1 && running.stderr.contains("state directory is in use"), "\(running.stderr)")
        #expect(await daemon.stop() == 0)

        // A file that is not a database, and one from a newer kinerjad, are refused; nothing moves.
        let junk = dir + "/junk.db"
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: junk))
        let refused = try await runProcess(Binaries.kinerjad, ["restore", junk, "--state-dir", daemon.stateDir])
        #expect(refused.status == 1 && refused.stderr.contains("not a readable SQLite database"), "\(refused.stderr)")
        let newer = dir + "/newer.db"
        try FileManager.default.copyItem(atPath: backup, toPath: newer)
        let stamp = try await runProcess(
            Self.python,
            [
                "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO grdb_migrations VALUES ('9999-from-the-future')\"); c.commit()",
                newer,
            ])
        #expect(stamp.status == 0, "\(stamp.stderr)")
        let future = try await runProcess(Binaries.kinerjad, ["restore", newer, "--state-dir", daemon.stateDir])
        let latest = try #require(Int(try await schemaVersion(backup)))
        #expect(future.status == 78 && future.stderr.contains("has schema version \(latest + 1), newer than this kinerjad's \(latest)"), "\(future.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: daemon.stateDir).filter { $0.contains("before-restore") }.isEmpty)

        // The restore: the current database moved aside, the backup in place; the period made after it is gone.
        let restored = try await runProcess(Binaries.kinerjad, ["restore", backup, "--state-dir", daemon.stateDir])
        #expect(restored.status == 0 && restored.stdout.contains("the database that was in place is kept as"), "\(restored.stdout)\(restored.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: daemon.stateDir).contains { $0.hasPrefix("kinerja.db.before-restore-") })
        let again = try Daemon(stateDir: daemon.stateDir)
        try await again.waitReady()
        #expect(try await again.ctl(["period", "list", "-o", "json"]).stdout.contains("2026") == false)
        #expect(try await again.ctl(["employee", "list", "-o", "json"]).stdout.contains(rina))
        #expect(await again.stop() == 0)

        // A database from a newer kinerjad in place: the daemon refuses to start, naming both versions (exit 78).
        try FileManager.default.removeItem(atPath: daemon.stateDir + "/kinerja.db")
        try FileManager.default.copyItem(atPath: newer, toPath: daemon.stateDir + "/kinerja.db")
        let refusing = try Daemon(stateDir: daemon.stateDir)
        let code = await refusing.child.waitAsync(timeout: 30)
        #expect(code == 78, "\(refusing.log)")
        #expect(refusing.log.contains("newer than this kinerjad's \(latest)"))
    }

    func schemaVersion(_ path: String) async throws -> String {
        let r = try await runProcess(
            Self.python, ["-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM grdb_migrations').fetchone()[0])", path])
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The Prometheus endpoint of a real daemon, scraped over TCP and over a Unix socket.
@Suite(.serialized) struct MetricsE2ETests {
    static let scrapeTCP = """
        import sys, urllib.request
        print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())
        """
    static let scrapeUnix = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX)
        s.connect(sys.argv[1])
        s.sendall(b'GET /metrics HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n')
        data = b''
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        print(data.decode())
        """
    static let freePort = "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"

    func value(_ text: String, _ line: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(line + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func aCounterMovesAfterACallAndTheStateGaugesAreThere() async throws {
        let python = OperationsTests.python
        let port = try await runProcess(python, ["-c", Self.freePort]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let dir = try shortTemporaryDirectory("km")
        try "[metrics]\nlisten = \"127.0.0.1:\(port)\"\n".write(toFile: dir + "/k.toml", atomically: true, encoding: .utf8)
        let daemon = try Daemon(extraArguments: ["--config", dir + "/k.toml"])
        try await daemon.waitReady()
        let url = "http://127.0.0.1:\(port)/metrics"
        #expect(try await daemon.ctl(["status"]).status == 0)
        let first = try await runProcess(python, ["-c", Self.scrapeTCP, url])
        #expect(first.status == 0, "\(first.stderr)")
        let line = #"kinerja_rpc_requests_total{method="kinerja.v1.AdminService/Status",code="OK"}"#
        let before = try #require(value(first.stdout, line), "\(first.stdout.prefix(3000))")
        #expect(try await daemon.ctl(["status"]).status == 0)
        #expect(try await daemon.ctl(["employee", "show", "199001012015031001"]).status == 1)
        let second = try await runProcess(python, ["-c", Self.scrapeTCP, url]).stdout
        #expect(value(second, line) == before + 1)
        #expect(value(second, #"kinerja_rpc_requests_total{method="kinerja.v1.OrgService/GetEmployee",code="NOT_FOUND"}"#) == 1)
        #expect(second.contains(#"kinerja_rpc_duration_seconds_bucket{method="kinerja.v1.AdminService/Status""#))
        for gauge in ["kinerja_database_size_bytes", "kinerja_database_wal_size_bytes", "kinerja_process_resident_memory_bytes", "kinerja_process_open_fds"] {
            #expect((value(second, gauge) ?? 0) > 0 || gauge == "kinerja_database_wal_size_bytes", "\(gauge)")
        }
        #expect(second.contains(#"kinerja_outbox_messages{status="pending",channel="webhook"} 0"#))
        // An import is counted by kind and outcome.
        let (_, files) = try organisedDaemonFiles()
        #expect(try await daemon.ctl(["unit", "import", files + "/units.csv"]).status == 0)
        let third = try await runProcess(python, ["-c", Self.scrapeTCP, url]).stdout
        #expect(value(third, #"kinerja_imports_total{kind="units",outcome="applied"}"#) == 1)
        #expect(value(third, #"kinerja_import_rows_total{kind="units"}"#) == 3)
        let missing = try await runProcess(python, ["-c", Self.scrapeTCP, "http://127.0.0.1:\(port)/"])
        #expect(missing.status != 0 && missing.stderr.contains("404"))
        #expect(await daemon.stop() == 0)

        // A Unix socket instead; a public address is refused unless allow_remote.
        try "[metrics]\nlisten = \"unix:\(dir)/metrics.sock\"\n".write(toFile: dir + "/k.toml", atomically: true, encoding: .utf8)
        let local = try Daemon(extraArguments: ["--config", dir + "/k.toml"])
        try await local.waitReady()
        #expect(try await local.ctl(["status"]).status == 0)
        let scraped = try await runProcess(python, ["-c", Self.scrapeUnix, dir + "/metrics.sock"]).stdout
        #expect(scraped.hasPrefix("HTTP/1.0 200 OK") && value(scraped, line) == 1, "\(scraped.prefix(500))")
        #expect(await local.stop() == 0)
        try "[metrics]\nlisten = \"0.0.0.0:\(port)\"\n".write(toFile: dir + "/k.toml", atomically: true, encoding: .utf8)
        let refused = try Daemon(extraArguments: ["--config", dir + "/k.toml"])
        #expect(await refused.child.waitAsync(timeout: 30) == 78)
        #expect(refused.log.contains("key 'metrics.listen': 0.0.0.0:\(port) is not a loopback address"), "\(refused.log)")
    }
}
