import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KinerjaAPI
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
}

/// Runs a program to completion with a time limit and returns its exit status and output.
@discardableResult
func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, currentDirectory: String? = nil,
    stdin: String? = nil, timeout: TimeInterval = 60
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kproc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    if let stdin {
        let pipe = Pipe()
        process.standardInput = pipe
        try process.run()
        pipe.fileHandleForWriting.write(Data(stdin.utf8))
        try pipe.fileHandleForWriting.close()
    } else {
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        Issue.record("\(executable) \(arguments) did not finish in \(timeout) s")
    }
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// A short temporary directory (Unix socket paths are limited to 107 bytes).
func shortTemporaryDirectory(_ tag: String = "k") throws -> String {
    var template = Array("/tmp/\(tag)-XXXXXX".utf8CString)
    guard let p = mkdtemp(&template) else { throw POSIXError(.EIO) }
    return String(cString: p)
}

/// A `kinerjad` child process on its own state directory.
final class Daemon {
    let stateDir: String
    let socket: String
    let process = Process()
    let logPath: String
    private(set) var exitStatus: Int32?

    init(stateDir: String? = nil, socket: String? = nil, extraArguments: [String] = [], environment: [String: String] = [:]) throws {
        let base = try shortTemporaryDirectory("kd")
        self.stateDir = stateDir ?? base + "/state"
        self.socket = socket ?? base + "/kinerja.sock"
        self.logPath = base + "/kinerjad.log"
        process.executableURL = URL(fileURLWithPath: Binaries.kinerjad)
        process.arguments = ["--state-dir", self.stateDir, "--socket", self.socket, "--log-level", "debug"] + extraArguments
        var env = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "WATCHDOG_USEC", "STATE_DIRECTORY", "RUNTIME_DIRECTORY", "CONFIGURATION_DIRECTORY", "JOURNAL_STREAM"] {
            env[key] = nil
        }
        env.merge(environment) { $1 }
        process.environment = env
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits until the socket accepts connections (or the process exits).
    func waitReady(timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning {
                throw DaemonFailure(message: "kinerjad exited with \(process.terminationStatus) before listening:\n\(log)")
            }
            if log.contains("ready") && socketAccepts(socket) { return }
            usleep(20_000)
        }
        throw DaemonFailure(message: "kinerjad did not listen within \(timeout) s:\n\(log)")
    }

    /// Sends `signal` and waits for the exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 30) -> Int32 {
        if process.isRunning { kill(pid, signal) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            Issue.record("kinerjad did not stop within \(timeout) s after signal \(signal)")
        }
        process.waitUntilExit()
        exitStatus = process.terminationStatus
        return process.terminationStatus
    }

    /// `kinerjactl --socket <this daemon> ARGS`.
    func ctl(_ arguments: [String], asUser uid: UInt32? = nil, environment: [String: String]? = nil) throws -> ProcessResult {
        let args = [arguments.first ?? ""] + ["--socket", socket] + arguments.dropFirst()
        if let uid {
            return try runProcess(
                "/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", Binaries.kinerjactl] + args, environment: environment)
        }
        return try runProcess(Binaries.kinerjactl, args, environment: environment)
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

struct DaemonFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

func socketAccepts(_ path: String) -> Bool {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
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
