import Foundation
import KinerjaProcess

/// For the benchmark and the end-to-end tests: a child process started with `Spawn` and reaped with `waitpid` on its own pid.
package final class ChildProcess: @unchecked Sendable {
    package let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    /// `stdin`, `stdout`, `stderr`: file paths (nil: /dev/null; "-": inherit this process's). `environment` nil: inherit.
    package init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil, stdout: String? = nil, stderr: String? = nil
    ) throws {
        func stream(_ path: String?) -> Spawn.Stream { path == "-" ? .inherit : path.map { .file($0) } ?? .null }
        pid = try Spawn.start(executable, arguments, environment: environment, stdin: stream(stdin), stdout: stream(stdout), stderr: stream(stderr))
    }

    /// Non-blocking: reaps the child if it has exited.
    package var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if status != nil { return false }
        var raw: Int32 = 0
        let r = waitpid(pid, &raw, WNOHANG)
        if r == pid {
            status = raw
            return false
        }
        return r == 0
    }

    /// Exit code, or 128 + signal for a child killed by a signal. Nil while running.
    package var exitStatus: Int32? {
        _ = isRunning
        lock.lock()
        defer { lock.unlock() }
        guard let raw = status else { return nil }
        return Spawn.exitCode(raw)
    }

    /// Blocks until the child exits and returns its status (what timings use: `wait(timeout:)` looks every 5 ms,
    /// which added up to 5 ms to each).
    package func waitUntilExit() -> Int32 {
        if let s = exitStatus { return s }
        var raw: Int32 = 0
        var r: pid_t
        repeat { r = waitpid(pid, &raw, 0) } while r == -1 && errno == EINTR
        guard r == pid else { return exitStatus ?? -1 }  // reaped meanwhile by `isRunning` on another thread
        lock.lock()
        status = raw
        lock.unlock()
        return Spawn.exitCode(raw)
    }

    /// Waits up to `timeout`; returns the exit status, or nil when still running.
    @discardableResult
    package func wait(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(5_000) }
        return exitStatus
    }

    package func signal(_ sig: Int32) {
        if isRunning { kill(pid, sig) }
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
    }
}
