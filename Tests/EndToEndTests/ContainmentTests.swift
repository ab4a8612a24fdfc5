import Foundation
import KinerjaFixtures
import Testing

/// A Unix socket that accepts connections and never answers (a wedged daemon, as a client sees it).
final class SilentListener {
    let path: String
    let fd: Int32

    init() throws {
        path = try shortTemporaryDirectory("ks") + "/silent.sock"
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    deinit {
        close(fd)
        unlink(path)
    }
}

/// Faults stay contained: a client that waits says what it waited for.
@Suite struct ContainmentTests {
    @Test func kinerjactlGivesUpAtItsTimeoutAndSaysWhich() async throws {
        let silent = try SilentListener()
        let start = Date()
        let r = try await runProcess(Binaries.kinerjactl, ["status", "--socket", silent.path, "--timeout", "1"], environment: Daemon.environment())
        let elapsed = Date().timeIntervalSince(start)
        #expect(r.status == 1)
        #expect(r.stderr.contains("DEADLINE_EXCEEDED") && r.stderr.contains("within 1 s") && r.stderr.contains("--timeout"), "\(r.stderr)")
        #expect(elapsed >= 1.0)
        let bad = try await runProcess(Binaries.kinerjactl, ["status", "--socket", silent.path, "--timeout", "-3"], environment: Daemon.environment())
        #expect(bad.status == 2, "\(bad.stderr)")
    }
}

/// Whether this machine lets the tests mount a small tmpfs (root with CAP_SYS_ADMIN).
let canMountTmpfs: Bool = {
    guard isRoot, let dir = try? shortTemporaryDirectory("km") else { return false }
    defer { rmdir(dir) }
    guard (try? runProcessBlocking("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]))?.0.status == 0 else { return false }
    _ = try? runProcessBlocking("/bin/umount", [dir])
    return true
}()

@Suite(.serialized, .enabled(if: canMountTmpfs, "needs root and tmpfs mounts"))
struct DiskFullTests {
    @Test func aFullDiskSaysSoAndTheDaemonKeepsServing() async throws {
        let mount = try shortTemporaryDirectory("kf")
        #expect(try await runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mount]).status == 0)
        defer { _ = try? runProcessBlocking("/bin/umount", ["-l", mount]) }
        let daemon = try Daemon(stateDir: mount + "/state")
        try await daemon.waitReady()
        let files = try shortTemporaryDirectory("kg")
        let sample = SampleAgency(unitCount: 20, employeeCount: 20_000)
        try sample.unitsCSV.write(to: URL(fileURLWithPath: files + "/units.csv"))
        try sample.employeesCSV.write(to: URL(fileURLWithPath: files + "/employees.csv"))
        #expect(try await daemon.ctl(["unit", "import", files + "/units.csv"]).status == 0)
        for _ in 0..<2 {
            let r = try await daemon.ctl(["employee", "import", files + "/employees.csv"])
            #expect(r.status == 1)
            #expect(
                r.stderr.contains("RESOURCE_EXHAUSTED") && r.stderr.contains("disk full at \(mount)/state") && r.stderr.contains("bytes free"), "\(r.stderr)")
        }
        // Nothing was half-applied, the daemon answers, and the fault was logged once.
        #expect(try await employeeCount(daemon) == 0)
        #expect(try await daemon.ctl(["status"]).status == 0)
        #expect(daemon.log.components(separatedBy: "storage fault").count - 1 == 1, "\(daemon.log.suffix(2_000))")
        // A backup that cannot be staged says where and how much it needs.
        let fill = mount + "/fill"
        _ = try? await runProcess("/bin/dd", ["if=/dev/zero", "of=\(fill)", "bs=64k", "count=1000"])
        let backup = try await daemon.ctl(["backup", files + "/b.db"])
        #expect(backup.status == 1 && backup.stderr.contains("RESOURCE_EXHAUSTED"), "\(backup.stderr)")
        unlink(fill)
        await daemon.stop()
    }
}

@Suite(.serialized) struct DeliveryCrashTests {
    @Test func aKillDuringDeliveryResendsAtMostTheMessagesInFlight() async throws {
        let sink = try WebhookSink(threads: 2, keepBodies: false) { _, _ in (200, 0.004) }
        defer { sink.stop() }
        let dir = try shortTemporaryDirectory("kw")
        let config = dir + "/kinerjad.toml"
        try "[reminders.webhook]\nurl = \"\(sink.url)\"\nconcurrency = 8\ntimeout_ms = 10000\n".write(toFile: config, atomically: true, encoding: .utf8)
        let state = dir + "/state"
        var daemon = try Daemon(stateDir: state, extraArguments: ["--config", config])
        try await daemon.waitReady()
        let sample = SampleAgency(unitCount: 10, employeeCount: 2_000)
        try sample.unitsCSV.write(to: URL(fileURLWithPath: dir + "/units.csv"))
        try sample.employeesCSV.write(to: URL(fileURLWithPath: dir + "/employees.csv"))
        #expect(try await daemon.ctl(["unit", "import", dir + "/units.csv"]).status == 0)
        #expect(try await daemon.ctl(["employee", "import", dir + "/employees.csv"]).status == 0)
        #expect(
            try await daemon.ctl([
                "reminder", "add", "massal", "--cron", "0 0 1 1 *", "--audience", "all_active_staff", "--channel", "webhook",
                "--template", "Yth. {nama}",
            ]).status == 0)
        #expect(try await daemon.ctl(["reminder", "fire", "massal"]).status == 0)
        #expect(await eventually(60) { sink.count >= 600 })
        kill(daemon.pid, SIGKILL)
        _ = await daemon.child.waitAsync(timeout: 10)
        let beforeRestart = sink.count
        daemon = try Daemon(stateDir: state, extraArguments: ["--config", config])
        try await daemon.waitReady()
        #expect(
            try await eventually(120) {
                let o = try jsonObject(try await daemon.ctl(["outbox", "list", "-o", "json", "--limit", "1"]).stdout)
                return ((o["counts"] as? [String: Any])?["sent"] as? NSNumber)?.intValue == 2_000
            })
        let resent = sink.count - 2_000
        print("delivery crash: \(beforeRestart) delivered before the kill, \(resent) sent twice (concurrency 8)")
        #expect(resent >= 0 && resent <= 8, "\(resent) messages were sent twice")
        #expect(await daemon.stop() == 0)
    }
}
