import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KinerjaAPI
import KinerjaClientTransport
import KinerjaCore
import KinerjaFixtures
import KinerjaTransport
import SwiftProtobuf

/// kinerjad against a Python grpcio peer (bench/peer_server.py) serving the same `AdminService/Status` and
/// `OrgService/GetEmployee` from the same proto, with the same SQLite reads on a copy of kinerjad's database: the same
/// Swift client and the same Python client (bench/peer_client.py) drive both, alternating (kinerjad, peer, kinerjad,
/// peer), and each figure is reported for both with the ratio kinerjad ÷ peer of calls per second.
struct PeerScenario {
    let bin: String
    let daemonProgram: String
    /// The repository (bench/ and the test venv's Python): the working directory `make bench` runs in.
    let repo: String
    let seconds: Double

    var python: String { repo + "/.build-venv/bin/python" }

    func run() async throws -> [String: Any] {
        let daemon = try BenchDaemon(program: daemonProgram)
        defer { daemon.stop() }
        // A small agency with a supervisor hierarchy: GetEmployee of someone with a chain and subordinates.
        let sample = SampleAgency(unitCount: 20, employeeCount: 2_000)
        try sample.unitsCSV.write(to: URL(fileURLWithPath: daemon.dir + "/units.csv"))
        try sample.employeesCSV.write(to: URL(fileURLWithPath: daemon.dir + "/employees.csv"))
        for (what, file) in [("unit", "units.csv"), ("employee", "employees.csv")] {
            let (_, status) = try runCommand(bin + "/kinerjactl", [what, "import", daemon.dir + "/" + file, "--socket", daemon.socket])
            guard status == 0 else { throw ArgumentParser.ValidationError("\(what) import exited \(status)") }
        }
        let supervisors = Set(sample.employees.compactMap(\.supervisorNIP))
        guard let subject = sample.employees.first(where: { $0.supervisorNIP != nil && supervisors.contains($0.nip) })?.nip else {
            throw ArgumentParser.ValidationError("the sample agency has no middle manager")
        }
        let database = daemon.dir + "/peer.db"
        let (_, backup) = try runCommand(bin + "/kinerjactl", ["backup", database, "--socket", daemon.socket])
        guard backup == 0 else { throw ArgumentParser.ValidationError("backup for the peer exited \(backup)") }
        let descriptors = daemon.dir + "/kinerja.pb"
        try Data(base64Encoded: KinerjaDescriptorSet.base64)!.write(to: URL(fileURLWithPath: descriptors))

        let peerSocket = daemon.dir + "/peer.sock"
        let peer = try ChildProcess(
            python, [repo + "/bench/peer_server.py", "--socket", peerSocket, "--database", database, "--descriptors", descriptors],
            environment: ProcessInfo.processInfo.environment, stdout: daemon.dir + "/peer.log", stderr: daemon.dir + "/peer.log")
        defer {
            peer.signal(SIGTERM)
            _ = peer.wait(timeout: 10)
        }
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: peerSocket) {
            guard Date() < deadline, peer.isRunning else { throw ArgumentParser.ValidationError("the Python peer did not start (\(daemon.dir)/peer.log)") }
            usleep(50_000)
        }

        // The transport floor (`FloorServer`): Status answered from the HTTP/2 frames, no gRPC runtime behind them; and the
        // gRPC floor (`GRPCFloorServer`): grpc-swift's server with a Status that does nothing.
        var floors: [ChildProcess] = []
        defer {
            for floor in floors {
                floor.signal(SIGKILL)
                _ = floor.wait(timeout: 10)
            }
        }
        let floorSocket = daemon.dir + "/floor.sock"
        let grpcFloorSocket = daemon.dir + "/grpc-floor.sock"
        for (option, socket) in [("--serve-floor", floorSocket), ("--serve-grpc-floor", grpcFloorSocket)] {
            let log = daemon.dir + "/" + String(option.dropFirst(2)) + ".log"
            let floor = try ChildProcess("/proc/self/exe", [option, socket], stdout: log, stderr: log)
            floors.append(floor)
            while !FileManager.default.fileExists(atPath: socket) {
                guard Date() < deadline, floor.isRunning else { throw ArgumentParser.ValidationError("\(option) did not start (\(log))") }
                usleep(50_000)
            }
        }

        var out: [String: Any] = ["employees": sample.employees.count, "get_employee_nip": subject]
        for method in ["Status", "GetEmployee"] {
            var byClient: [String: Any] = [:]
            for client in ["swift_client", "swift_unix_client", "python_client"] {
                var byCallers: [String: Any] = [:]
                for callers in [1, 16] {
                    var runs: [String: [[String: Double]]] = ["kinerjad": [], "peer": [], "floor": [], "grpc_floor": []]
                    let servers =
                        [("kinerjad", daemon.socket), ("peer", peerSocket)]
                        + (method == "Status" ? [("floor", floorSocket), ("grpc_floor", grpcFloorSocket)] : [])
                    for _ in 0..<2 {
                        for (name, socket) in servers {
                            do {
                                let figures =
                                    switch client {
                                    case "swift_client": try await swiftClient(socket: socket, method: method, nip: subject, callers: callers)
                                    case "swift_unix_client": try await swiftUnixClient(socket: socket, method: method, nip: subject, callers: callers)
                                    default: try pythonClient(socket: socket, descriptors: descriptors, method: method, nip: subject, callers: callers)
                                    }
                                runs[name]!.append(figures)
                            } catch {
                                throw ArgumentParser.ValidationError("\(method) from the \(client) with \(callers) callers against \(name): \(error)")
                            }
                        }
                    }
                    func mean(_ name: String, _ key: String) -> Double {
                        let values = runs[name]!.compactMap { $0[key] }
                        return (values.reduce(0, +) / Double(max(1, values.count))).rounded(to: 3)
                    }
                    var row: [String: Any] = [:]
                    for (name, _) in servers {
                        row[name] = [
                            "calls_per_second": mean(name, "calls_per_second").rounded(), "p50_ms": mean(name, "p50_ms"), "p99_ms": mean(name, "p99_ms"),
                        ]
                    }
                    let peerRate = mean("peer", "calls_per_second")
                    row["ratio_calls_per_second"] = peerRate > 0 ? (mean("kinerjad", "calls_per_second") / peerRate).rounded(to: 2) : 0
                    byCallers["callers_\(callers)"] = row
                }
                byClient[client] = byCallers
            }
            out[method] = byClient
        }
        return out
    }

    /// The Swift client (grpc-swift-2 over the Unix socket, on its NIO transport): calls for `seconds` after a warm-up.
    func swiftClient(socket: String, method: String, nip: String, callers: Int) async throws -> [String: Double] {
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
        return try await swiftClient(transport: transport, method: method, nip: nip, callers: callers)
    }

    /// The same Swift client over Kinerja's own transport (`UnixSocketClientTransport`, kinerjactl's): one thread that
    /// reads the socket, no event loops. The callers prefer that thread (`ReadingThreadExecutor`: each call made from
    /// where the last response was read); kinerjactl and the portal do not.
    func swiftUnixClient(socket: String, method: String, nip: String, callers: Int) async throws -> [String: Double] {
        try await swiftClient(
            transport: UnixSocketClientTransport(path: socket), method: method, nip: nip, callers: callers, executor: ReadingThreadExecutor.shared)
    }

    func swiftClient<Transport: ClientTransport>(
        transport: Transport, method: String, nip: String, callers: Int, executor: any TaskExecutor = clientExecutor
    ) async throws -> [String: Double] {
        let seconds = self.seconds
        return try await withGRPCClient(transport: transport) { client -> [String: Double] in
            let admin = Kinerja_V1_AdminService.Client(wrapping: client)
            let org = Kinerja_V1_OrgService.Client(wrapping: client)
            var request = Kinerja_V1_GetEmployeeRequest()
            request.nip = nip
            let call: @Sendable () async throws -> Void
            if method == "Status" {
                call = { _ = try await admin.status(Kinerja_V1_StatusRequest()) }
            } else {
                call = { [request] in _ = try await org.getEmployee(request) }
            }
            return try await Self.measure(seconds: seconds, callers: callers, executor: executor, call: call)
        }
    }

    static func measure(
        seconds: Double, callers: Int, executor: any TaskExecutor = clientExecutor, call: @escaping @Sendable () async throws -> Void
    ) async throws -> [String: Double] {
        let (latencies, elapsed) = try await measureCalls(seconds: seconds, callers: callers, executor: executor, call: call)
        return [
            "calls_per_second": Double(latencies.count) / elapsed, "p50_ms": percentile(latencies, 0.5), "p90_ms": percentile(latencies, 0.9),
            "p99_ms": percentile(latencies, 0.99), "mean_ms": latencies.reduce(0, +) / Double(max(1, latencies.count)),
        ]
    }

    /// The Python client (grpcio, messages from the descriptor set).
    func pythonClient(socket: String, descriptors: String, method: String, nip: String, callers: Int) throws -> [String: Double] {
        let out = NSTemporaryDirectory() + "/kinerja-peer-client-\(getpid()).json"
        try? FileManager.default.removeItem(atPath: out)  // the child's output is appended to the file
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (_, status) = try runCommand(
            python,
            [
                repo + "/bench/peer_client.py", "--socket", socket, "--descriptors", descriptors, "--method", method, "--nip", nip, "--seconds",
                String(seconds), "--callers", String(callers),
            ], stdout: out)
        guard status == 0, let data = FileManager.default.contents(atPath: out),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw ArgumentParser.ValidationError("the Python client exited \(status) against \(socket)") }
        return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }
}

/// Runs a command to completion (its output to the file `stdout`, else discarded; errors shown); returns wall milliseconds and exit status.
func runCommand(_ executable: String, _ arguments: [String], stdout: String? = nil) throws -> (Double, Int32) {
    let t0 = ContinuousClock.now
    let child = try ChildProcess(executable, arguments, stdout: stdout, stderr: "-")
    let status = child.waitUntilExit()
    return ((ContinuousClock.now - t0).milliseconds, status)
}

/// Where the benchmark's Swift callers run.
let clientExecutor = EventLoopTaskExecutor.singleton

/// Calls `call` from `callers` tasks for `seconds` after a warm-up of 200 calls (connection, caches): every latency in
/// milliseconds, sorted, and the seconds it took.
func measureCalls(
    seconds: Double, callers: Int, executor: any TaskExecutor = clientExecutor, call: @escaping @Sendable () async throws -> Void
) async throws -> (sorted: [Double], elapsed: Double) {
    for _ in 0..<200 { try await call() }
    let start = ContinuousClock.now
    let end = start + .milliseconds(Int(seconds * 1000))
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group -> [Double] in
        for _ in 0..<callers {
            // The callers run where `executor` puts them: by default on the event loops of NIO's group (`EventLoopTaskExecutor`).
            group.addTask(executorPreference: executor) {
                var samples: [Double] = []
                samples.reserveCapacity(50_000)
                while ContinuousClock.now < end {
                    let t0 = ContinuousClock.now
                    try await call()
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
