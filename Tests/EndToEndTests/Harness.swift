import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KinerjaAPI
import KinerjaFixtures
import Testing

/// Where the built executables are: `KINERJA_BIN_DIR`, else next to the test bundle (`swift build` puts
/// products and the test runner in the same folder).
enum Binaries {
    static let directory: String = {
        if let dir = ProcessInfo.processInfo.environment["KINERJA_BIN_DIR"], !dir.isEmpty { return dir }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("kinerjad").path) { return url.path }
        }
        // Fall back to the package's default build folder.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug").path
    }()

    static var kinerjad: String { directory + "/kinerjad" }
    static var kinerjactl: String { directory + "/kinerjactl" }
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// The threads' stacks of a program that ran out of time (empty otherwise).
    var stacks = ""
}

/// Runs a program to completion with a time limit and returns its exit status and output. The wait happens on a
/// thread of its own, not on one of the test runner's few cooperative threads, so that tests waiting for processes
/// do not keep the others from running. A program that runs out of time is recorded with its threads' stacks.
@discardableResult
func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
    stdin: String? = nil, timeout: TimeInterval = 60
) async throws -> ProcessResult {
    let (result, timedOut) = try await offThePool {
        try runProcessBlocking(executable, arguments, environment: environment, stdin: stdin, timeout: timeout)
    }
    if timedOut { Issue.record("\(executable) \(arguments) did not finish in \(timeout) s\n\(result.stacks)") }
    return result
}

/// `runProcess` for a thread of its own (it blocks); tells whether the time limit ran out. `stacksOnTimeout` false: a
/// program that runs out of time is killed without its stacks (for the programs that take them).
func runProcessBlocking(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
    stdin: String? = nil, timeout: TimeInterval = 60, stacksOnTimeout: Bool = true
) throws -> (ProcessResult, timedOut: Bool) {
    let dir = try shortTemporaryDirectory("kproc")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let out = dir + "/out"
    let err = dir + "/err"
    var input: String?
    if let stdin {
        input = dir + "/in"
        try stdin.write(toFile: input!, atomically: true, encoding: .utf8)
    }
    let child = try ChildProcess(executable, arguments, environment: environment, stdin: input, stdout: out, stderr: err)
    var status = child.wait(timeout: timeout)
    let timedOut = status == nil
    var stacks = ""
    if timedOut {
        if stacksOnTimeout { stacks = threadStacks(child.pid) }
        child.signal(SIGKILL)
        status = child.wait(timeout: 10)
    }
    let result = ProcessResult(
        status: status ?? -1,
        stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "", stacks: stacks)
    return (result, timedOut)
}

/// Runs blocking work (waiting for a process, polling a file) on a thread of its own and awaits it.
///
/// Not on a Dispatch queue: on Linux, libdispatch runs as many blocks at once as there are cores and adds a thread
/// for blocked ones only about once a second; with dozens of tests each waiting for a process on a 2-core machine,
/// a wait (and the start of the process it waits for) queued behind the others for tens of seconds.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// Every thread's stack of a running process (gdb, when the machine has it), for a process that hangs: what it waits
/// for is then in the test's report. At most 400 lines.
func threadStacks(_ pid: Int32) -> String {
    let gdb = "/usr/bin/gdb"
    guard FileManager.default.isExecutableFile(atPath: gdb) else { return "(no gdb: no stacks)" }
    guard
        let (r, _) = try? runProcessBlocking(
            gdb, ["-p", "\(pid)", "-batch", "-nx", "-ex", "thread apply all bt 30"], timeout: 60, stacksOnTimeout: false)
    else { return "(gdb did not start)" }
    let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix("#") || $0.hasPrefix("Thread") }
    return "stacks of pid \(pid):\n" + lines.prefix(400).joined(separator: "\n") + "\n" + unixSockets(pid)
}

/// The Unix sockets a process holds, with their peers (`ss`), for a process that hangs.
func unixSockets(_ pid: Int32) -> String {
    let ss = "/usr/bin/ss"
    guard FileManager.default.isExecutableFile(atPath: ss),
        let (r, _) = try? runProcessBlocking(ss, ["-xanp"], timeout: 20, stacksOnTimeout: false)
    else { return "" }
    // `ss -xanp` columns: netid, state, recv-q, send-q, local address, local inode, peer address, peer inode, process.
    let rows = r.stdout.split(separator: "\n").map { ($0, $0.split(separator: " ", omittingEmptySubsequences: true)) }
    let mine = rows.filter { $0.0.contains("pid=\(pid),") }
    let peerInodes = Set(mine.compactMap { $0.1.count > 7 ? $0.1[7] : nil })
    let peers = rows.filter { $0.1.count > 7 && peerInodes.contains($0.1[5]) && !$0.0.contains("pid=\(pid),") }
    return "unix sockets of pid \(pid):\n" + (mine.map(\.0) + ["their peers:"] + peers.map(\.0)).joined(separator: "\n")
}

extension ChildProcess {
    /// `wait(timeout:)` without holding a cooperative thread.
    func waitAsync(timeout: TimeInterval) async -> Int32? {
        (try? await offThePool { self.wait(timeout: timeout) }) ?? nil
    }
}

/// Sleeps without holding a thread.
func pause(_ seconds: Double) async {
    try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
}

/// A short temporary directory (Unix socket paths are limited to 107 bytes).
func shortTemporaryDirectory(_ tag: String = "k") throws -> String {
    try TemporaryDirectories.make(tag)
}

/// A `kinerjad` child process on its own state directory.
final class Daemon {
    let stateDir: String
    let socket: String
    let logPath: String
    let child: ChildProcess

    init(stateDir: String? = nil, socket: String? = nil, extraArguments: [String] = [], environment: [String: String] = [:]) throws {
        let base = try shortTemporaryDirectory("kd")
        self.stateDir = stateDir ?? base + "/state"
        self.socket = socket ?? base + "/kinerja.sock"
        self.logPath = base + "/kinerjad.log"
        child = try ChildProcess(
            Binaries.kinerjad, ["--state-dir", self.stateDir, "--socket", self.socket, "--log-level", "debug"] + extraArguments,
            environment: Daemon.environment(merging: environment), stdout: logPath, stderr: logPath)
    }

    /// The test runner's environment without anything systemd would set, plus `extra`.
    static func environment(merging extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in [
            "NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID", "STATE_DIRECTORY", "RUNTIME_DIRECTORY",
            "CONFIGURATION_DIRECTORY", "JOURNAL_STREAM", "KINERJA_SOCKET",
        ] {
            env[key] = nil
        }
        env.merge(extra) { $1 }
        return env
    }

    var pid: Int32 { child.pid }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits until the socket accepts connections (or the process exits).
    func waitReady(timeout: TimeInterval = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !child.isRunning {
                throw DaemonFailure(message: "kinerjad exited with \(child.exitStatus ?? -1) before listening:\n\(log)")
            }
            if log.contains("ready") && socketAccepts(socket) { return }
            await pause(0.02)
        }
        throw DaemonFailure(message: "kinerjad did not listen within \(timeout) s:\n\(log)")
    }

    /// Sends `signal` and waits for the exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 30) async -> Int32 {
        child.signal(signal)
        if let status = await child.waitAsync(timeout: timeout) { return status }
        let stacks = (try? await offThePool { [pid] in threadStacks(pid) }) ?? ""
        Issue.record("kinerjad did not stop within \(timeout) s after signal \(signal)\n\(stacks)")
        child.signal(SIGKILL)
        return await child.waitAsync(timeout: 10) ?? -1
    }

    /// `kinerjactl --socket <this daemon> ARGS`.
    func ctl(
        _ arguments: [String], asUser uid: UInt32? = nil, environment: [String: String]? = nil, timeout: TimeInterval = 60
    ) async throws -> ProcessResult {
        let (program, args, env) = ctlCommand(arguments, asUser: uid, environment: environment)
        return try await runProcess(program, args, environment: env, timeout: timeout)
    }

    /// `ctl` for a thread of its own (it blocks).
    func ctlBlocking(_ arguments: [String], asUser uid: UInt32? = nil, environment: [String: String]? = nil) throws -> ProcessResult {
        let (program, args, env) = ctlCommand(arguments, asUser: uid, environment: environment)
        return try runProcessBlocking(program, args, environment: env).0
    }

    private func ctlCommand(_ arguments: [String], asUser uid: UInt32?, environment: [String: String]?) -> (String, [String], [String: String]) {
        let args = arguments + ["--socket", socket]
        let env = environment ?? Daemon.environment()
        if let uid {
            return ("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", Binaries.kinerjactl] + args, env)
        }
        return (Binaries.kinerjactl, args, env)
    }
}

struct DaemonFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

func socketAccepts(_ path: String) -> Bool {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
    return withUnsafePointer(to: &address) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    } == 0
}

/// Calls the daemon through the generated Swift client.
func withClient<R: Sendable>(_ socket: String, _ body: (Kinerja_V1_AdminService.Client<HTTP2ClientTransport.Posix>) async throws -> R) async throws -> R {
    let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
    return try await withGRPCClient(transport: transport) { client in
        try await body(Kinerja_V1_AdminService.Client(wrapping: client))
    }
}

func jsonObject(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw DaemonFailure(message: "not a JSON object: \(text)")
    }
    return object
}

let isRoot = getuid() == 0

/// Forces `year` to running and each periodic period to `periodicState` (ratings are accepted while a period runs
/// or is in assessment; TPP is paid from a predikat once its period is in assessment).
func openPeriods(_ daemon: Daemon, year: String, _ periodic: [String] = [], to periodicState: String = "assessment") async throws {
    func advance(_ id: String, times: Int) async throws {
        for _ in 0..<times {
            let r = try await daemon.ctl(["period", "advance", id, "--force", "--reason", "test"])
            #expect(r.status == 0, "advance \(id): \(r.stderr)")
        }
    }
    let show = try jsonObject(try await daemon.ctl(["period", "show", year, "-o", "json"]).stdout)
    let order = ["draft", "planning", "running", "assessment", "closed"]
    let yearState = order.firstIndex(of: show["state"] as? String ?? "draft") ?? 0
    try await advance(year, times: max(0, 2 - yearState))
    for p in periodic {
        let s = try jsonObject(try await daemon.ctl(["period", "show", p, "-o", "json"]).stdout)
        let now = order.firstIndex(of: s["state"] as? String ?? "draft") ?? 0
        try await advance(p, times: max(0, (order.firstIndex(of: periodicState) ?? 3) - now))
    }
}
