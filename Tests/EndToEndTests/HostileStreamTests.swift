import Foundation
import KinerjaFixtures
import Testing

/// The daemon's resident memory in bytes.
func residentBytes(_ pid: Int32) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
}

/// Runs scripts/h2-flood.py (a raw HTTP/2 client) as `uid`, sampling the daemon's RSS meanwhile; its JSON and the peak RSS.
func flood(_ daemon: Daemon, uid: UInt32, arguments: [String], seconds: Int = 15) async throws -> ([String: Any], peakRSS: Int) {
    let venv = repositoryRoot + "/.build-venv"
    let sitePackages = try #require(
        (try? FileManager.default.contentsOfDirectory(atPath: venv + "/lib"))?.first.map { venv + "/lib/\($0)/site-packages" },
        "run `make venv` first (make test does)")
    // The script and its pure-Python packages go to a folder the other uid can read (the clone's may be private).
    let dir = try shortTemporaryDirectory("kflood")
    chmod(dir, 0o777)
    for item in ["h2", "hpack", "hyperframe"] {
        try FileManager.default.copyItem(atPath: sitePackages + "/" + item, toPath: dir + "/" + item)
    }
    try FileManager.default.copyItem(atPath: repositoryRoot + "/scripts/h2-flood.py", toPath: dir + "/h2-flood.py")
    _ = try await runProcess("/bin/chmod", ["-R", "a+rX", dir])
    var environment = Daemon.environment()
    environment["PYTHONPATH"] = dir
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    let child = try ChildProcess(
        "/usr/bin/setpriv",
        ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "/usr/bin/python3", dir + "/h2-flood.py", daemon.socket, "--seconds", "\(seconds)"]
            + arguments, environment: environment, stdout: dir + "/out", stderr: dir + "/err")
    var peak = residentBytes(daemon.pid)
    var status: Int32?
    let deadline = Date().addingTimeInterval(TimeInterval(seconds + 30))
    while status == nil && Date() < deadline {
        status = await child.waitAsync(timeout: 0.1)
        peak = max(peak, residentBytes(daemon.pid))
    }
    if status == nil {
        child.signal(SIGKILL)
        _ = await child.waitAsync(timeout: 5)
    }
    let out = (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? ""
    let err = (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? ""
    #expect(status == 0, "h2-flood: \(err)")
    return (try jsonObject(out), peak)
}

/// A caller without a role cannot make the daemon hold memory; gateways are held to small messages; idle and silent
/// connections are closed.
@Suite(.serialized, .enabled(if: isRoot, "switching uid with setpriv needs root"))
struct HostileStreamTests {
    @Test func aCallerWithNoRoleIsRefusedOnItsHeadersBeforeAnyBodyIsRead() async throws {
        let daemon = try await openDaemon(config: "[security]\ngateway_users = [\"65533\"]\n")
        // Let start-up allocations settle, then take the idle value.
        #expect(try await daemon.ctl(["status"]).status == 0)
        await pause(0.3)
        let idle = residentBytes(daemon.pid)
        // 48 streams, each declaring a 255 MB import and sending as fast as the windows allow.
        let (result, peak) = try await flood(
            daemon, uid: 65534, arguments: ["--streams", "48", "--bytes", "255000000", "--path", "/kinerja.v1.SKPService/ImportSKP"])
        #expect(result["statuses"] as? [String: Int] == ["7": 48], "\(result)")  // PERMISSION_DENIED, each
        #expect((result["max_concurrent_streams"] as? Int) == 100)
        let accepted = result["body_bytes_sent"] as? Int ?? .max
        #expect(accepted < 256 << 10, "the daemon granted window for \(accepted) body bytes of refused streams")
        #expect(peak - idle < 100 << 20, "RSS went from \(idle) to \(peak)")
        print("48-stream no-role attack: RSS idle \(idle / 1024) KiB, peak \(peak / 1024) KiB; body bytes let through \(accepted)")
        #expect(try await daemon.ctl(["status"]).status == 0)
        #expect(daemon.log.contains("kinerjad") && daemon.child.isRunning)
        #expect(await daemon.stop() == 0)
    }

    @Test func aGatewayMessageOverItsLimitIsRefusedFromItsLengthPrefix() async throws {
        let daemon = try await openDaemon(config: "[security]\ngateway_users = [\"65533\"]\n[server]\ngateway_max_message_mib = 1\n")
        let (result, _) = try await flood(
            daemon, uid: 65533,
            // No actor claimed: an actor who is no employee would be refused by the interceptor, which may answer before
            // the message's length prefix is read (a race the length check then loses).
            arguments: ["--streams", "1", "--bytes", "\(3 << 20)", "--path", "/kinerja.v1.SKPService/ImportRealisasi"],
            seconds: 10)
        #expect(result["statuses"] as? [String: Int] == ["8": 1], "\(result)")  // RESOURCE_EXHAUSTED
        #expect((result["body_bytes_sent"] as? Int ?? .max) < 3 << 20)
        // Under the limit the call goes through to the service (which then judges the content).
        let whoami = try await runProcess(
            "/usr/bin/setpriv", ["--reuid=65533", "--regid=65533", "--clear-groups", Binaries.kinerjactl, "whoami", "--socket", daemon.socket],
            environment: Daemon.environment())
        #expect(whoami.status == 0, "\(whoami.stderr)")
        #expect(await daemon.stop() == 0)
    }

    @Test func silentAndIdleConnectionsAreClosed() async throws {
        let daemon = try await openDaemon(config: "[server]\npreface_timeout_s = 1\nidle_timeout_s = 2\n")
        func connect() async throws -> Int32 {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(daemon.socket.utf8)) }
            let rc = withUnsafePointer(to: &address) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            try #require(rc == 0)
            return fd
        }
        /// Seconds until the daemon closes the connection (reads until end of file), at most `limit`.
        func secondsUntilClosed(_ fd: Int32, limit: Double) -> Double? {
            let start = Date()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date().timeIntervalSince(start) < limit {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 100) > 0 else { continue }
                if read(fd, &buffer, buffer.count) <= 0 { return Date().timeIntervalSince(start) }
            }
            return nil
        }
        // Nothing sent at all: closed after the preface timeout.
        let silent = try await connect()
        let s = secondsUntilClosed(silent, limit: 8)
        close(silent)
        #expect(s != nil && s! >= 0.9 && s! < 4, "closed after \(String(describing: s)) s")
        // The preface and settings, then no stream: closed after the idle timeout.
        let idle = try await connect()
        let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]
        #expect(write(idle, preface, preface.count) == preface.count)
        // GOAWAY after the idle timeout, then the daemon closes the connection.
        let i = secondsUntilClosed(idle, limit: 15)
        close(idle)
        #expect(i != nil && i! >= 1.5 && i! < 11, "closed after \(String(describing: i)) s")
        #expect(try await daemon.ctl(["status"]).status == 0)
        #expect(await daemon.stop() == 0)
    }

    @Test func runningOutOfDescriptorsPausesAcceptingInsteadOfSpinning() async throws {
        let daemon = try await openDaemon(config: "")
        #expect(try await runProcess("/usr/bin/prlimit", ["--pid", "\(daemon.pid)", "--nofile=80:80"]).status == 0)
        // Hold more connections than the daemon has descriptors left.
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        for _ in 0..<120 {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(daemon.socket.utf8)) }
            _ = withUnsafePointer(to: &address) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            held.append(fd)
        }
        #expect(await eventually(10) { daemon.log.contains("accepting paused: out of file descriptors") })
        func cpuTicks() -> Int {
            let stat = (try? String(contentsOfFile: "/proc/\(daemon.pid)/stat", encoding: .utf8)) ?? ""
            let fields = stat[(stat.lastIndex(of: ")") ?? stat.startIndex)...].split(separator: " ")
            return (Int(fields[12]) ?? 0) + (Int(fields[13]) ?? 0)  // utime + stime
        }
        let before = cpuTicks()
        sleep(2)
        let used = cpuTicks() - before
        #expect(used < 40, "the daemon used \(used) ticks of CPU in 2 s while out of descriptors")
        held.forEach { close($0) }
        held = []
        #expect(await eventually(10) { daemon.log.contains("accepting resumed") })
        // The listen backlog may still hold the closed connections: a new one gets in once the daemon has drained them.
        #expect(await eventually(10) { (try? await daemon.ctl(["status"]).status) == 0 }, "\(daemon.log.suffix(3000))")
        // Once per episode, not once per retry (a retry a second would log about 15 times here): the held connections
        // are closed after the preface timeout (10 s), which frees descriptors in bursts and may start another episode
        // or two on a loaded machine (three seen while the whole suite ran).
        #expect(daemon.log.components(separatedBy: "accepting paused").count - 1 <= 4, "logged once per episode")
        #expect(await daemon.stop() == 0, "\(daemon.log.suffix(3000))")
    }
}
