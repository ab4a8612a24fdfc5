import CKinerjaHostSystem
import Foundation
import KinerjaPluginAPI
import KinerjaProcess
import Logging
import SwiftProtobuf
import Synchronization

/// What the host said when it loaded its module.
struct LoadedPlugin: Sendable {
    var id: String
    var version: String
    var abiVersion: UInt32
    var description: Kinerja_Plugin_V1_DescribeResponse
    /// What the host's sandbox restricts (or why it could not).
    var sandbox: String
    /// What the descriptor says the plugin is written in ("" when it does not say).
    var language: String
}

/// How starting a host ended when it did not load the plugin.
enum HostStartError: Error, Sendable {
    /// The module was refused (its message names the file and the reason).
    case refused(String)
    /// The module loaded, its init failed.
    case initFailed(id: String, message: String, language: String)
}

/// How one call through a host ended.
enum HostOutcome: Sendable {
    case ok([UInt8])
    case error(String)
    case unimplemented
    case deadline
    /// The host died during the call: how (`killed by signal 11 (SIGSEGV)`, `exited with status 3`).
    case crashed(String)
}

/// One running plugin host process and the daemon's end of its socket. Calls are multiplexed by id; a reader
/// thread delivers results and log lines; when the socket closes the process is reaped and every call still
/// waiting ends as `crashed`.
final class HostConnection: Sendable {
    let pid: pid_t
    private let fd: Int32
    private let pluginName: String
    private let logger: Logger
    private let writeLock = Mutex(())

    private struct Calls {
        var next: UInt64 = 1
        var waiting: [UInt64: CheckedContinuation<HostOutcome, Never>] = [:]
        /// Set once the process is gone: how it ended.
        var ended: String?
        /// Why the daemon killed it, when it did (a deadline, shutdown).
        var killedBecause: String?
    }

    private let calls = Mutex(Calls())
    /// Called once when the process has ended: (how it ended, whether the daemon killed it).
    private let onEnd: @Sendable (String, Bool) -> Void

    private init(pid: pid_t, fd: Int32, pluginName: String, logger: Logger, onEnd: @escaping @Sendable (String, Bool) -> Void) {
        self.pid = pid
        self.fd = fd
        self.pluginName = pluginName
        self.logger = logger
        self.onEnd = onEnd
    }

    /// Starts `executable plugin-host`, has it load `path`, and waits (at most `timeout`) for its answer.
    static func start(
        executable: String, path: String, config: [UInt8], readOnly: [String], pluginName: String, timeout: Duration, logger: Logger,
        onEnd: @escaping @Sendable (String, Bool) -> Void
    ) throws(HostStartError) -> (HostConnection, LoadedPlugin) {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw .refused("plugin \(path) refused: socketpair: \(String(cString: strerror(errno)))")
        }
        var output: [Int32] = [-1, -1]
        guard kinerja_pipe_cloexec(&output) == 0 else {
            close(pair[0])
            close(pair[1])
            throw .refused("plugin \(path) refused: pipe: \(String(cString: strerror(errno)))")
        }
        // The child's end well above 3, so that dup2 onto 3 always clears close-on-exec.
        let childEnd = fcntl(pair[1], F_DUPFD_CLOEXEC, 16)
        close(pair[1])
        let pid: pid_t
        do {
            pid = try spawnHost(executable: executable, socket: childEnd, output: output[1])
        } catch {
            close(pair[0])
            close(childEnd)
            close(output[0])
            close(output[1])
            throw .refused("plugin \(path) refused: cannot start the plugin host \(executable): \(error)")
        }
        close(childEnd)
        close(output[1])
        forwardOutput(output[0], pluginName: pluginName, logger: logger)

        let connection = HostConnection(pid: pid, fd: pair[0], pluginName: pluginName, logger: logger, onEnd: onEnd)
        HostFrame.write(
            HostFrame.encode(.load) { w in
                w.string(path)
                w.blob(config)
                w.u32(UInt32(readOnly.count))
                for p in readOnly { w.string(p) }
            }, to: pair[0])
        // The handshake, read here (the reader thread starts after it).
        let deadline = ContinuousClock.now + timeout
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            var pfd = pollfd(fd: pair[0], events: Int16(POLLIN), revents: 0)
            let ms = max(0, Int32(left.components.seconds * 1000 + Int64(left.components.attoseconds / 1_000_000_000_000_000)))
            let ready = poll(&pfd, 1, ms)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 {
                connection.kill(because: "it did not load within \(timeout)")
                let how = connection.reap()
                throw .refused("plugin \(path) refused: the plugin host did not load it within \(timeout) (\(how))")
            }
            let frame: HostFrame.Frame
            do {
                frame = try HostFrame.read(from: pair[0])
            } catch {
                if case .closed = error {} else { connection.kill(because: "its answer was unreadable") }
                let how = connection.reap()
                throw .refused("plugin \(path) refused: the plugin host \(how) while loading it")
            }
            var p = frame.payload
            switch frame.kind {
            case .log:
                connection.log(&p)
            case .refused:
                let initFailed = (try? p.u8()) == 1
                let id = (try? p.string()) ?? ""
                let message = (try? p.string()) ?? "(no message)"
                let language = (try? p.string()) ?? ""
                _ = connection.reap()
                if initFailed { throw .initFailed(id: id, message: message, language: language) }
                throw .refused(message)
            case .loaded:
                guard let id = try? p.string(), let version = try? p.string(), let abi = try? p.u32(), let describe = try? p.blob(),
                    let sandbox = try? p.string(), let language = try? p.string(),
                    let d = try? Kinerja_Plugin_V1_DescribeResponse(serializedBytes: describe)
                else {
                    connection.kill(because: "its answer was unreadable")
                    _ = connection.reap()
                    throw .refused("plugin \(path) refused: unreadable answer from the plugin host")
                }
                connection.startReading()
                return (connection, LoadedPlugin(id: id, version: version, abiVersion: abi, description: d, sandbox: sandbox, language: language))
            default:
                connection.kill(because: "it broke the protocol")
                _ = connection.reap()
                throw .refused("plugin \(path) refused: the plugin host broke the protocol")
            }
        }
    }

    private static func spawnHost(executable: String, socket: Int32, output: Int32) throws -> pid_t {
        // The daemon's environment without what belongs to the daemon alone (systemd's sockets and notifications).
        let dropped: Set<String> = ["NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID"]
        var environment = ProcessInfo.processInfo.environment.filter { !dropped.contains($0.key) }
        // A crash ends the host at once: no backtrace (the daemon logs how it ended).
        environment["SWIFT_BACKTRACE"] = "enable=no"
        // The host closes every descriptor above its socket itself too, in case the C library cannot do it here.
        return try Spawn.start(
            executable, [PluginHostProcess.argument], environment: environment, stdin: .null, stdout: .descriptor(output),
            stderr: .descriptor(output), descriptors: [PluginHostProcess.socketFD: socket])
    }

    /// The host's standard output and error, line by line into the daemon's log.
    private static func forwardOutput(_ fd: Int32, pluginName: String, logger: Logger) {
        let thread = Thread {
            let file = fdopen(fd, "r")
            var line: UnsafeMutablePointer<CChar>?
            var capacity = 0
            while let file, getline(&line, &capacity, file) > 0 {
                let text = String(cString: line!).trimmingCharacters(in: .newlines)
                if !text.isEmpty { logger.warning("plugin output", metadata: ["plugin": "\(pluginName)", "line": "\(text.prefix(2000))"]) }
            }
            free(line)
            if let file { fclose(file) } else { close(fd) }
        }
        thread.name = "plugin-output"
        thread.start()
    }

    private func startReading() {
        let thread = Thread { [self] in readLoop() }
        thread.name = "plugin-host-reader"
        thread.start()
    }

    private func readLoop() {
        while true {
            let frame: HostFrame.Frame
            do {
                frame = try HostFrame.read(from: fd)
            } catch .tooLong(let n) {
                logger.error("plugin host sent a frame of \(n) bytes; killing it", metadata: ["plugin": "\(pluginName)"])
                kill(because: "it sent an oversized frame")
                break
            } catch {
                break
            }
            var p = frame.payload
            switch frame.kind {
            case .log:
                log(&p)
            case .result:
                let outcome: HostOutcome
                switch (try? p.u8(), try? p.blob()) {
                case (0?, let bytes?): outcome = .ok(bytes)
                case (1?, let bytes?): outcome = .error(String(decoding: bytes, as: UTF8.self))
                case (2?, _): outcome = .unimplemented
                default: outcome = .error("unreadable answer from the plugin host")
                }
                let waiter = calls.withLock { $0.waiting.removeValue(forKey: frame.id) }
                waiter?.resume(returning: outcome)
            default:
                kill(because: "it broke the protocol")
            }
        }
        let how = reap()
        let (waiting, killed) = calls.withLock { c -> ([CheckedContinuation<HostOutcome, Never>], String?) in
            defer { c.waiting = [:] }
            return (Array(c.waiting.values), c.killedBecause)
        }
        for w in waiting { w.resume(returning: .crashed(killed.map { "was stopped because \($0)" } ?? how)) }
        onEnd(how, killed != nil)
    }

    fileprivate func log(_ payload: inout HostFrame.Reader) {
        let level = (try? payload.u8()).map(Int32.init) ?? 1
        let message = (try? payload.string()) ?? ""
        let l: Logger.Level =
            switch level {
            case 0: .debug
            case 2: .warning
            case 3: .error
            default: .info
            }
        logger.log(level: l, "\(message)", metadata: ["plugin": "\(pluginName)"])
    }

    /// Sends one call; the answer, or `deadline` after `timeout` (the host is then killed: its thread may spin on).
    func call(method: String, request: [UInt8], timeout: Duration) async -> HostOutcome {
        let id: UInt64? = calls.withLock { c in
            guard c.ended == nil else { return nil }
            defer { c.next += 1 }
            return c.next
        }
        guard let id else { return .crashed(calls.withLock { $0.ended } ?? "ended") }
        let frame = HostFrame.encode(.call, id: id) { w in
            w.string(method)
            w.blob(request)
        }
        return await withCheckedContinuation { (continuation: CheckedContinuation<HostOutcome, Never>) in
            let accepted = calls.withLock { c -> Bool in
                guard c.ended == nil else { return false }
                c.waiting[id] = continuation
                return true
            }
            guard accepted else {
                continuation.resume(returning: .crashed(calls.withLock { $0.ended } ?? "ended"))
                return
            }
            // Writing may block while the host reads: never on the caller's thread.
            DispatchQueue.global().async { [self] in
                if !write(frame) { kill(because: "its socket closed") }
            }
            let c = timeout.components
            let nanos = Int(c.seconds) * 1_000_000_000 + Int(c.attoseconds / 1_000_000_000)
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanos)) { [self] in
                guard let waiter = calls.withLock({ $0.waiting.removeValue(forKey: id) }) else { return }
                waiter.resume(returning: .deadline)
                kill(because: "a \(method) call overran its deadline of \(timeout)")
            }
        }
    }

    /// SIGKILL (once) with the reason recorded, and our end shut down so that the reader wakes and reaps.
    @discardableResult
    func kill(because reason: String) -> String {
        calls.withLock { c in
            guard c.ended == nil else { return }
            if c.killedBecause == nil {
                c.killedBecause = reason
                Glibc.kill(pid, SIGKILL)
            }
            shutdown(fd, Int32(SHUT_RDWR))  // fd is closed only under this lock, after `ended` is set
        }
        return "killed because \(reason)"
    }

    /// Writes a frame unless the process has ended (the descriptor is never used after it is closed).
    private func write(_ frame: [UInt8]) -> Bool {
        writeLock.withLock { _ in
            guard calls.withLock({ $0.ended == nil }) else { return false }
            return HostFrame.write(frame, to: fd)
        }
    }

    /// Waits for the process and says how it ended (once; later calls return the same text).
    fileprivate func reap() -> String {
        if let ended = calls.withLock({ $0.ended }) { return ended }
        var status: Int32 = 0
        var rc: pid_t
        repeat { rc = waitpid(pid, &status, 0) } while rc < 0 && errno == EINTR
        let how = rc == pid ? Self.describe(status) : "ended (\(String(cString: strerror(errno))))"
        // The process is gone, so a writer blocked on the socket has failed and released the write lock.
        return writeLock.withLock { _ in
            calls.withLock { c -> String in
                if c.ended == nil {
                    c.ended = how
                    close(fd)
                }
                return c.ended!
            }
        }
    }

    /// Asks the host to call the plugin's shutdown and exit; kills it after `grace`.
    func stop(grace: Duration) {
        let asked = write(HostFrame.encode(.shutdown))
        let deadline = ContinuousClock.now + grace
        while asked && ContinuousClock.now < deadline {
            if calls.withLock({ $0.ended }) != nil { return }
            usleep(5_000)
        }
        if calls.withLock({ $0.ended }) == nil { kill(because: "the daemon is stopping") }
    }

    var hasEnded: Bool { calls.withLock { $0.ended != nil } }

    /// `waitpid` status in words.
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        let name = signalNames[signal].map { " (\($0))" } ?? ""
        return "was killed by signal \(signal)\(name)"
    }

    static let signalNames: [Int32: String] = [
        SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGKILL: "SIGKILL", SIGBUS: "SIGBUS", SIGILL: "SIGILL", SIGFPE: "SIGFPE",
        SIGTERM: "SIGTERM", SIGTRAP: "SIGTRAP", SIGSYS: "SIGSYS", SIGPIPE: "SIGPIPE", SIGXCPU: "SIGXCPU",
    ]
}
