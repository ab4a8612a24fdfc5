import Foundation
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
    @Test func kinerjactlGivesUpAtItsTimeoutAndSaysWhich() throws {
        let silent = try SilentListener()
        let start = Date()
        let r = try runProcess(Binaries.kinerjactl, ["status", "--socket", silent.path, "--timeout", "1"], environment: Daemon.environment())
        let elapsed = Date().timeIntervalSince(start)
        #expect(r.status == 1)
        #expect(r.stderr.contains("DEADLINE_EXCEEDED") && r.stderr.contains("within 1 s") && r.stderr.contains("--timeout"), "\(r.stderr)")
        #expect(elapsed >= 1.0)
        let bad = try runProcess(Binaries.kinerjactl, ["status", "--socket", silent.path, "--timeout", "-3"], environment: Daemon.environment())
        #expect(bad.status == 2, "\(bad.stderr)")
    }
}
