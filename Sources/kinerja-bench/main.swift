import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KinerjaAPI

/// Benchmarks against a real kinerjad over its Unix socket. Prints one JSON object.
@main
struct KinerjaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinerja-bench",
        abstract: "Measure kinerjad over its socket: RPC throughput and latency, and CLI wall time.")

    @Option(help: "Folder holding kinerjad and kinerjactl (default: next to this program).")
    var binDir: String?
    @Option(help: "Use an already running daemon at this socket instead of starting one.")
    var socket: String?
    @Option(help: "Seconds each RPC scenario runs (after a warm-up).")
    var seconds: Double = 3
    @Option(help: "How many `kinerjactl status` runs to time.")
    var cliRuns: Int = 20
    @Option(help: "Scenarios to run, comma-separated: status,cli.")
    var scenarios: String = "status,cli"

    func run() async throws {
        let bin = binDir ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        var daemon: BenchDaemon?
        let socketPath: String
        if let socket {
            socketPath = socket
        } else {
            let d = try BenchDaemon(binDir: bin)
            daemon = d
            socketPath = d.socket
        }
        defer { daemon?.stop() }

        var results: [String: Any] = [
            "machine": ["cores": ProcessInfo.processInfo.activeProcessorCount, "memory_gib": ProcessInfo.processInfo.physicalMemory >> 30],
            "daemon": daemon == nil ? "external" : "started by the benchmark from --bin-dir",
        ]
        let wanted = Set(scenarios.split(separator: ",").map(String.init))
        if wanted.contains("status") {
            var status: [String: Any] = [:]
            for callers in [1, 16] {
                status["callers_\(callers)"] = try await measureStatus(socket: socketPath, callers: callers, seconds: seconds)
            }
            results["status_rpc"] = status
        }
        if wanted.contains("cli") {
            results["kinerjactl_status"] = try measureCLI(binDir: bin, socket: socketPath, runs: cliRuns)
        }
        let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    func measureStatus(socket: String, callers: Int, seconds: Double) async throws -> [String: Any] {
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
        let (sorted, elapsed) = try await withGRPCClient(transport: transport) { client in
            let admin = Kinerja_V1_AdminService.Client(wrapping: client)
            // Warm-up: connection, caches.
            for _ in 0..<200 { _ = try await admin.status(.init()) }
            let start = ContinuousClock.now
            let end = start + .milliseconds(Int(seconds * 1000))
            let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
                for _ in 0..<callers {
                    group.addTask {
                        var samples: [Double] = []
                        samples.reserveCapacity(50_000)
                        while ContinuousClock.now < end {
                            let t0 = ContinuousClock.now
                            _ = try await admin.status(.init())
                            samples.append((ContinuousClock.now - t0).milliseconds)
                        }
                        return samples
                    }
                }
                var all: [Double] = []
                for try await part in group { all += part }
                return all
            }
            return (latencies.sorted(), (ContinuousClock.now - start).seconds)
        }
        return [
                "callers": callers,
                "calls": sorted.count,
                "rpc_per_second": (Double(sorted.count) / elapsed).rounded(),
                "p50_ms": percentile(sorted, 0.50).rounded(to: 3),
                "p99_ms": percentile(sorted, 0.99).rounded(to: 3),
                "max_ms": (sorted.last ?? 0).rounded(to: 3),
        ]
    }

    func measureCLI(binDir: String, socket: String, runs: Int) throws -> [String: Any] {
        var times: [Double] = []
        for _ in 0..<runs {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binDir + "/kinerjactl")
            process.arguments = ["status", "--socket", socket, "-o", "json"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let t0 = ContinuousClock.now
            try process.run()
            process.waitUntilExit()
            times.append((ContinuousClock.now - t0).milliseconds)
            guard process.terminationStatus == 0 else {
                throw ValidationError("kinerjactl status exited \(process.terminationStatus)")
            }
        }
        let sorted = times.sorted()
        return [
            "runs": runs,
            "mean_ms": (times.reduce(0, +) / Double(max(runs, 1))).rounded(to: 1),
            "p50_ms": percentile(sorted, 0.5).rounded(to: 1),
            "max_ms": (sorted.last ?? 0).rounded(to: 1),
        ]
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
    return sorted[max(0, index)]
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}

extension Double {
    func rounded(to places: Int) -> Double {
        let f = pow(10, Double(places))
        return (self * f).rounded() / f
    }
}

/// A kinerjad started for the benchmark on a temporary state directory.
final class BenchDaemon {
    let dir: String
    let socket: String
    let process = Process()

    init(binDir: String) throws {
        var template = Array("/tmp/kbench-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw ValidationError("mkdtemp failed") }
        dir = String(cString: p)
        socket = dir + "/kinerja.sock"
        process.executableURL = URL(fileURLWithPath: binDir + "/kinerjad")
        process.arguments = ["--state-dir", dir + "/state", "--socket", socket, "--log-level", "warning"]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: socket) { usleep(100_000); return }
            guard process.isRunning else { throw ValidationError("kinerjad exited \(process.terminationStatus)") }
            usleep(20_000)
        }
        throw ValidationError("kinerjad did not start")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: dir)
    }
}
