import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KinerjaAPI
import KinerjaCore
import KinerjaFixtures
import SwiftProtobuf

/// Benchmarks against a real kinerjad over its Unix socket. Prints one JSON object.
@main
struct KinerjaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinerja-bench",
        abstract: "Measure kinerjad over its socket: RPC throughput and latency, CLI wall time, bulk imports.",
        discussion: """
            Scenarios: status (unary Status RPCs at 1 and 16 callers), cli (kinerjactl status wall time), peer (Status \
            and GetEmployee against kinerjad and a Python grpcio peer on the same proto and data, with a Swift and a \
            Python client, alternating; Status also against the transport floor: SwiftNIO's HTTP/2 with no gRPC \
            runtime, answering from the frames, and the gRPC floor: grpc-swift's server with nothing behind it), \
            month (the month's batch for --employees employees: units and employees, ratings, attendance, TPP compute and \
            export through kinerjad, beside the same steps in the sqlite3 shell (bench/month_floor.sql); daemon RSS idle \
            and at its peak), \
            import (a generated agency of --employees employees in --units units with a 6-level supervisor \
            hierarchy: unit and employee import, employee list -o json, daemon RSS), skp, appraisal, tpp, plugin, \
            selfservice (a year of monthly data for that agency, then Login, GetOverview and PutRealisasi through \
            the gateway socket as a portal would), reminders.
            """)

    @Option(help: "Folder holding kinerjad and kinerjactl (default: next to this program).")
    var binDir: String?
    @Option(help: "Seconds each RPC scenario runs (after a warm-up).")
    var seconds: Double = 3
    @Option(help: "How many `kinerjactl status` runs to time.")
    var cliRuns: Int = 20
    @Option(help: "Employees in the generated agency (import scenario).")
    var employees: Int = 100_000
    @Option(help: "Units in the generated agency (import scenario).")
    var units: Int = 1_000
    @Option(help: "Scenarios to run, comma-separated: status,cli,peer,month,import,skp,appraisal,tpp,plugin,selfservice,reminders.")
    var scenarios: String = "status,cli,peer,month,import,skp,appraisal,tpp,plugin,selfservice,reminders"

    @Option(
        help: "The kinerjactl the cli scenario times (default: the one in --bin-dir; `make bench` passes the installed one, linked with the Swift runtime)."
    )
    var ctl: String?

    @Option(
        help: """
            The kinerjad every scenario starts (default: the one in --bin-dir; `make bench` passes the installed one, linked with the \
            Swift runtime; its plugins run in --bin-dir's kinerja-plugin-host).
            """
    )
    var daemon: String?

    @Option(help: "The repository (bench/ and .build-venv for the Python peer); default: the working directory.")
    var repo: String?

    @Option(help: .hidden) var serveFloor: String?
    @Option(help: .hidden) var serveGrpcFloor: String?
    /// For profiling and A/B runs: drive one running server at this socket with one of the peer scenario's Swift
    /// clients (`--drive-client swift_client|swift_unix_client`, `--drive-method Status|GetEmployee`, `--drive-nip`,
    /// `--drive-callers`) for `--seconds`, print its figures as JSON and exit.
    @Option(help: .hidden) var drive: String?
    @Option(help: .hidden) var driveClient = "swift_unix_client"
    @Option(help: .hidden) var driveMethod = "Status"
    @Option(help: .hidden) var driveNip = ""
    @Option(help: .hidden) var driveCallers = 1

    func run() async throws {
        if let serveFloor { try FloorServer.run(socket: serveFloor) }
        if let serveGrpcFloor { try await GRPCFloorServer.run(socket: serveGrpcFloor) }
        if let drive {
            let scenario = PeerScenario(bin: "", daemonProgram: "", repo: "", seconds: seconds)
            let figures =
                driveClient == "swift_client"
                ? try await scenario.swiftClient(socket: drive, method: driveMethod, nip: driveNip, callers: driveCallers)
                : try await scenario.swiftUnixClient(socket: drive, method: driveMethod, nip: driveNip, callers: driveCallers)
            let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let bin = binDir ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        let wanted = Set(scenarios.split(separator: ",").map(String.init))
        let daemonProgram = daemon ?? bin + "/kinerjad"
        var results: [String: Any] = [
            "machine": ["cores": ProcessInfo.processInfo.activeProcessorCount, "memory_gib": ProcessInfo.processInfo.physicalMemory >> 30],
            "bin_dir": bin, "daemon": daemonProgram,
        ]
        if wanted.contains("status") || wanted.contains("cli") {
            let daemon = try BenchDaemon(program: daemonProgram)
            defer { daemon.stop() }
            if wanted.contains("status") {
                var status: [String: Any] = [:]
                for callers in [1, 16] {
                    status["callers_\(callers)"] = try await measureStatus(socket: daemon.socket, callers: callers, seconds: seconds)
                }
                results["status_rpc"] = status
            }
            if wanted.contains("cli") {
                results["kinerjactl_status"] = try measureCLI(ctl ?? bin + "/kinerjactl", socket: daemon.socket, runs: cliRuns)
                if let ctl, ctl != bin + "/kinerjactl" {
                    // The build folder's own, loading the Swift runtime and Foundation as shared libraries, beside it.
                    results["kinerjactl_status_shared_runtime"] = try measureCLI(bin + "/kinerjactl", socket: daemon.socket, runs: cliRuns)
                }
            }
        }
        if wanted.contains("peer") {
            results["peer"] = try await PeerScenario(
                bin: bin, daemonProgram: daemonProgram, repo: repo ?? FileManager.default.currentDirectoryPath, seconds: seconds
            ).run()
        }
        if wanted.contains("month") {
            results["month"] = try MonthScenario(
                bin: bin, daemonProgram: daemonProgram, repo: repo ?? FileManager.default.currentDirectoryPath, employees: employees,
                units: units
            ).run()
        }
        let selfService = wanted.contains("selfservice")
        if wanted.contains("import") || wanted.contains("skp") || wanted.contains("appraisal") || wanted.contains("tpp") || wanted.contains("plugin")
            || selfService
        {
            // The agency plugin that implements both per-employee hooks (DeriveRatings, ComputeIncentive) is loaded;
            // it answers only once `agency set --plugin` names it (the plugin scenario). The gateway socket and
            // bcrypt at its production cost serve the self-service scenario; the clock starts on 3 December 2026 so
            // that November's batas pengisian (10 December) is ahead whenever the benchmark runs.
            let daemon = try BenchDaemon(
                program: daemonProgram,
                config: """
                    gateway_socket = "GATEWAY"
                    [plugins]
                    dir = "\(bin)"
                    host = "\(bin)/kinerja-plugin-host"
                    load = ["bukittinggi"]
                    [accounts]
                    bcrypt_cost = \(SelfServiceScenario.bcryptCost)
                    """,
                environment: selfService ? ["KINERJA_CLOCK_START": "2026-12-03T09:00:00+07:00"] : [:])
            defer { daemon.stop() }
            let sample = SampleAgency(unitCount: units, employeeCount: employees)
            results["import"] = try measureImport(binDir: bin, daemon: daemon, sample: sample)
            let withSKP = wanted.contains("skp") || wanted.contains("plugin") || selfService
            if withSKP {
                results["skp"] = try measureSKP(binDir: bin, daemon: daemon, sample: sample)
            }
            if wanted.contains("appraisal") || wanted.contains("tpp") || wanted.contains("plugin") || selfService {
                results["appraisal"] = try measureAppraisal(binDir: bin, daemon: daemon, sample: sample, createPeriod: !withSKP)
            }
            if wanted.contains("tpp") || wanted.contains("plugin") || selfService {
                results["tpp"] = try measureTPP(binDir: bin, daemon: daemon, sample: sample)
            }
            if wanted.contains("plugin") {
                results["plugin"] = try await measurePlugin(binDir: bin, daemon: daemon, sample: sample, calls: 2_000)
            }
            if selfService {
                results["selfservice"] = try await SelfServiceScenario(bin: bin, daemon: daemon, sample: sample, seconds: seconds).run()
            }
        }
        if wanted.contains("reminders") {
            let sink = try WebhookSink(threads: 2, keepBodies: false)
            defer { sink.stop() }
            let daemon = try BenchDaemon(
                program: daemonProgram,
                config: """
                    [reminders.webhook]
                    url = "\(sink.url)"
                    secret = "bench"
                    """)
            defer { daemon.stop() }
            let sample = SampleAgency(unitCount: units, employeeCount: employees)
            _ = try measureImport(binDir: bin, daemon: daemon, sample: sample)
            results["reminders"] = try measureReminders(binDir: bin, daemon: daemon, sink: sink, employees: sample.employees.count)
        }
        let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    func measureStatus(socket: String, callers: Int, seconds: Double) async throws -> [String: Any] {
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
        let (sorted, elapsed) = try await withGRPCClient(transport: transport) { client in
            let admin = Kinerja_V1_AdminService.Client(wrapping: client)
            return try await measureCalls(seconds: seconds, callers: callers) { _ = try await admin.status(.init()) }
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

    func measureCLI(_ program: String, socket: String, runs: Int) throws -> [String: Any] {
        var times: [Double] = []
        for _ in 0..<runs {
            let (ms, status) = try timed(program, ["status", "--socket", socket, "-o", "json"])
            guard status == 0 else { throw ArgumentParser.ValidationError("kinerjactl status exited \(status)") }
            times.append(ms)
        }
        let sorted = times.sorted()
        return [
            "binary": program,
            "runs": runs,
            "mean_ms": (times.reduce(0, +) / Double(max(runs, 1))).rounded(to: 1),
            "p50_ms": percentile(sorted, 0.5).rounded(to: 1),
            "max_ms": (sorted.last ?? 0).rounded(to: 1),
        ]
    }

    func measureImport(binDir: String, daemon: BenchDaemon, sample: SampleAgency) throws -> [String: Any] {
        let t0 = ContinuousClock.now
        let unitsFile = daemon.dir + "/units.csv"
        let employeesFile = daemon.dir + "/employees.csv"
        try sample.unitsCSV.write(to: URL(fileURLWithPath: unitsFile))
        let csv = sample.employeesCSV
        try csv.write(to: URL(fileURLWithPath: employeesFile))
        let generated = (ContinuousClock.now - t0).seconds
        let ctl = binDir + "/kinerjactl"
        let (unitMS, s1) = try timed(ctl, ["unit", "import", unitsFile, "--socket", daemon.socket])
        guard s1 == 0 else { throw ArgumentParser.ValidationError("unit import exited \(s1)") }
        let (employeeMS, s2) = try timed(ctl, ["employee", "import", employeesFile, "--socket", daemon.socket])
        guard s2 == 0 else { throw ArgumentParser.ValidationError("employee import exited \(s2)") }
        let rssAfterImport = daemon.rssMiB()
        let (reimportMS, s3) = try timed(ctl, ["employee", "import", employeesFile, "--socket", daemon.socket])
        guard s3 == 0 else { throw ArgumentParser.ValidationError("employee re-import exited \(s3)") }
        let listOut = daemon.dir + "/list.json"
        let (listMS, s4) = try timed(ctl, ["employee", "list", "-o", "json", "--socket", daemon.socket], stdout: listOut)
        guard s4 == 0 else { throw ArgumentParser.ValidationError("employee list exited \(s4)") }
        let listBytes = (try? FileManager.default.attributesOfItem(atPath: listOut)[.size] as? NSNumber)?.intValue ?? 0
        return [
            "employees": employees, "units": units, "csv_bytes": csv.count,
            "generate_seconds": generated.rounded(to: 2),
            "unit_import_seconds": (unitMS / 1000).rounded(to: 3),
            "employee_import_seconds": (employeeMS / 1000).rounded(to: 3),
            "employee_reimport_unchanged_seconds": (reimportMS / 1000).rounded(to: 3),
            "employee_list_json_seconds": (listMS / 1000).rounded(to: 3),
            "employee_list_json_bytes": listBytes,
            "daemon_rss_mib_after_import": rssAfterImport,
            "daemon_rss_mib_after_list": daemon.rssMiB(),
        ]
    }

    /// SKPs with 3 RHK × 2 indicators for every employee (cascading to the supervisor's R1), approval of all,
    /// and one month of realisasi for every indicator.
    func measureSKP(binDir: String, daemon: BenchDaemon, sample: SampleAgency) throws -> [String: Any] {
        func run(_ args: [String]) throws -> Double { try daemon.kinerjactl(args, bin: binDir) }
        _ = try run(["period", "create", "2026", "--periodic", "monthly"])
        let skpFile = daemon.dir + "/skp.json"
        let realisasiFile = daemon.dir + "/realisasi.csv"
        let (skpJSON, realisasiCSV) = sample.skpAndRealisasi(year: 2026, month: 1)
        try skpJSON.write(to: URL(fileURLWithPath: skpFile))
        try realisasiCSV.write(to: URL(fileURLWithPath: realisasiFile))
        var probe = WriteProbe(socket: daemon.socket, nip: sample.employees[0].nip)
        let skpSeconds = try run(["skp", "import", skpFile, "--submit"])
        let skpWait = probe.stop()
        let approveSeconds = try run(["skp", "approve", "--all", "--period", "2026"])
        probe = WriteProbe(socket: daemon.socket, nip: sample.employees[0].nip)
        let realisasiSeconds = try run(["realisasi", "import", realisasiFile])
        let realisasiWait = probe.stop()
        return [
            "skp_json_bytes": skpJSON.count, "realisasi_csv_bytes": realisasiCSV.count,
            "indicators": sample.employees.count * 6,
            "skp_import_seconds": skpSeconds.rounded(to: 3), "approve_all_seconds": approveSeconds.rounded(to: 3),
            "realisasi_import_seconds": realisasiSeconds.rounded(to: 3),
            "skp_import_longest_single_write_ms": skpWait.maxMs, "realisasi_import_longest_single_write_ms": realisasiWait.maxMs,
            "skp_plus_realisasi_seconds": (skpSeconds + realisasiSeconds).rounded(to: 3),
            "daemon_rss_mib_after": daemon.rssMiB(),
        ]
    }

    /// Ratings for one period for everyone, then the curve over every unit and the appraisal list as CSV.
    func measureAppraisal(binDir: String, daemon: BenchDaemon, sample: SampleAgency, createPeriod: Bool) throws -> [String: Any] {
        func run(_ args: [String], stdout: String? = nil) throws -> Double { try daemon.kinerjactl(args, bin: binDir, stdout: stdout) }
        try daemon.prepareJanuary(bin: binDir, create: createPeriod)
        let file = daemon.dir + "/ratings.csv"
        try sample.ratingsCSV().write(to: URL(fileURLWithPath: file))
        let probe = WriteProbe(socket: daemon.socket, nip: sample.employees[0].nip)
        let importSeconds = try run(["rating", "import", file, "--period", "2026-01"])
        let ratingWait = probe.stop()
        let curveSeconds = try run(["appraisal", "curve", "--period", "2026-01", "-o", "json"], stdout: "/dev/null")
        let listSeconds = try run(["appraisal", "list", "--period", "2026-01", "-o", "csv"], stdout: "/dev/null")
        return [
            "ratings": sample.employees.count, "units": sample.units.count,
            "rating_import_seconds": importSeconds.rounded(to: 3), "rating_import_longest_single_write_ms": ratingWait.maxMs,
            "rating_import_single_writes": ratingWait.writes, "curve_seconds": curveSeconds.rounded(to: 3),
            "list_csv_seconds": listSeconds.rounded(to: 3),
            "total_seconds": (importSeconds + curveSeconds + listSeconds).rounded(to: 3),
        ]
    }

    /// TPP for the month rated by the appraisal scenario: base amounts, attendance for everyone, compute + export.
    func measureTPP(binDir: String, daemon: BenchDaemon, sample: SampleAgency) throws -> [String: Any] {
        func run(_ args: [String], stdout: String? = nil) throws -> Double { try daemon.kinerjactl(args, bin: binDir, stdout: stdout) }
        try BenchDaemon.tppBases.write(to: URL(fileURLWithPath: daemon.dir + "/base.csv"))
        _ = try run(["tpp", "base", "import", daemon.dir + "/base.csv"])
        var attendance = "nip,tl1,psw2,tk,sanction_percent\n"
        for (i, e) in sample.employees.enumerated() { attendance += "\(e.nip),\(i % 3),\(i % 2),\(i % 7 == 0 ? 1 : 0),0\n" }
        try Data(attendance.utf8).write(to: URL(fileURLWithPath: daemon.dir + "/attendance.csv"))
        var probe = WriteProbe(socket: daemon.socket, nip: sample.employees[0].nip)
        let attendanceSeconds = try run(["tpp", "attendance", "import", daemon.dir + "/attendance.csv", "--month", "2026-01"])
        let attendanceWait = probe.stop()
        probe = WriteProbe(socket: daemon.socket, nip: sample.employees[0].nip)
        let computeSeconds = try run(["tpp", "compute", "--month", "2026-01"], stdout: "/dev/null")
        let computeWait = probe.stop()
        let exportSeconds = try run(["tpp", "export", "--month", "2026-01", daemon.dir + "/payroll.csv"], stdout: "/dev/null")
        return [
            "employees": sample.employees.count, "attendance_import_seconds": attendanceSeconds.rounded(to: 3),
            "attendance_import_longest_single_write_ms": attendanceWait.maxMs, "compute_longest_single_write_ms": computeWait.maxMs,
            "compute_seconds": computeSeconds.rounded(to: 3), "export_seconds": exportSeconds.rounded(to: 3),
            "compute_plus_export_seconds": (computeSeconds + exportSeconds).rounded(to: 3),
        ]
    }

    /// #16: the agency plugin's per-employee hooks for everyone (one call each, every employee in one message), and the
    /// cost of one small hook call through the plugin against the same call answered by the national rules.
    func measurePlugin(binDir: String, daemon: BenchDaemon, sample: SampleAgency, calls: Int) async throws -> [String: Any] {
        func run(_ args: [String], stdout: String? = nil) throws -> Double { try daemon.kinerjactl(args, bin: binDir, stdout: stdout) }
        _ = try run(["agency", "set", "--plugin", "bukittinggi"])
        let deriveSeconds = try run(["rating", "derive", "--period", "2026-01"], stdout: "/dev/null")
        let computeSeconds = try run(["tpp", "compute", "--month", "2026-01"], stdout: "/dev/null")
        _ = try run(["agency", "set", "--plugin", "national"])
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: daemon.socket), transportSecurity: .plaintext)
        let (plugin, national) = try await withGRPCClient(transport: transport) { client in
            let service = Kinerja_V1_PluginService.Client(wrapping: client)
            func measure(_ id: String) async throws -> [Double] {
                let request = Kinerja_V1_CallHookRequest.with {
                    $0.pluginID = id
                    $0.method = "Describe"  // every plugin answers it (a hook it lacks never reaches the plugin)
                }
                for _ in 0..<100 { _ = try await service.callHook(request) }
                var samples: [Double] = []
                for _ in 0..<calls {
                    let t0 = ContinuousClock.now
                    _ = try await service.callHook(request)
                    samples.append((ContinuousClock.now - t0).milliseconds)
                }
                return samples.sorted()
            }
            return (try await measure("bukittinggi"), try await measure("national"))
        }
        return [
            "employees": sample.employees.count, "plugin": "bukittinggi",
            "rating_derive_seconds": deriveSeconds.rounded(to: 3), "tpp_compute_seconds": computeSeconds.rounded(to: 3),
            "hook_call_p50_ms": percentile(plugin, 0.5).rounded(to: 3), "national_call_p50_ms": percentile(national, 0.5).rounded(to: 3),
            "overhead_per_call_p50_ms": (percentile(plugin, 0.5) - percentile(national, 0.5)).rounded(to: 3),
            "hook_call_p99_ms": percentile(plugin, 0.99).rounded(to: 3),
        ]
    }

    /// #9: one rule fanned out to every employee (outbox rows in one transaction), then webhook delivery to a local sink.
    func measureReminders(binDir: String, daemon: BenchDaemon, sink: WebhookSink, employees: Int) throws -> [String: Any] {
        func run(_ args: [String], stdout: String? = nil) throws -> Double { try daemon.kinerjactl(args, bin: binDir, stdout: stdout) }
        _ = try run([
            "reminder", "add", "bench", "--cron", "0 8 1 1 *", "--audience", "all_active_staff", "--channel", "webhook",
            "--template", "Yth. {nama} ({nip}), mohon lengkapi laporan kegiatan harian {tanggal}.",
        ])
        let out = daemon.dir + "/fire.json"
        let t0 = ContinuousClock.now
        let fireSeconds = try run(["reminder", "fire", "bench", "-o", "json"], stdout: out)
        let fired = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out)))) as? [String: Any] ?? [:]
        let fanOut = (fired["seconds"] as? NSNumber)?.doubleValue ?? -1
        let messages = (fired["messages"] as? NSNumber)?.intValue ?? 0
        // Delivery runs while the CLI returns; measure from the fire call until the sink has seen every message.
        let deadline = Date().addingTimeInterval(600)
        var firstAt: ContinuousClock.Instant?
        while sink.count < messages && Date() < deadline {
            if firstAt == nil && sink.count > 0 { firstAt = ContinuousClock.now }
            usleep(5_000)
        }
        let delivered = sink.count
        let deliverySeconds = (ContinuousClock.now - (firstAt ?? t0)).milliseconds / 1000
        return [
            "recipients": employees, "messages": messages, "fan_out_seconds": fanOut.rounded(to: 3),
            "fire_command_seconds": fireSeconds.rounded(to: 3), "webhook_delivered": delivered,
            "webhook_seconds": deliverySeconds.rounded(to: 3),
            "webhook_messages_per_second": (Double(delivered) / max(deliverySeconds, 0.001)).rounded(to: 0),
        ]
    }

    /// Runs a command to completion; returns wall milliseconds and exit status.
    func timed(_ executable: String, _ arguments: [String], stdout: String? = nil) throws -> (Double, Int32) {
        try runCommand(executable, arguments, stdout: stdout)
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
    let child: ChildProcess

    /// The gateway socket, when `config` names `GATEWAY` (replaced by its path).
    var gatewaySocket: String { dir + "/gateway.sock" }
    var logPath: String { dir + "/kinerjad.log" }

    init(program: String, config: String? = nil, environment: [String: String] = [:]) throws {
        var template = Array("/tmp/kbench-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw ArgumentParser.ValidationError("mkdtemp failed") }
        dir = String(cString: p)
        socket = dir + "/kinerja.sock"
        var arguments = ["--state-dir", dir + "/state", "--socket", socket, "--log-level", "info"]
        if let config {
            try Data(config.replacingOccurrences(of: "\"GATEWAY\"", with: "\"\(dir)/gateway.sock\"").utf8).write(
                to: URL(fileURLWithPath: dir + "/kinerjad.toml"))
            arguments += ["--config", dir + "/kinerjad.toml"]
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        child = try ChildProcess(program, arguments, environment: env, stderr: dir + "/kinerjad.log")
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: socket) {
                usleep(100_000)
                return
            }
            guard child.isRunning else { throw ArgumentParser.ValidationError("kinerjad exited \(child.exitStatus ?? -1)") }
            usleep(20_000)
        }
        throw ArgumentParser.ValidationError("kinerjad did not start")
    }

    /// `kinerjactl ARGS` against this daemon, in seconds; a non-zero exit is an error naming the command.
    func kinerjactl(_ args: [String], bin: String, stdout: String? = nil) throws -> Double {
        let (ms, status) = try runCommand(bin + "/kinerjactl", args + ["--socket", socket], stdout: stdout)
        guard status == 0 else { throw ArgumentParser.ValidationError("kinerjactl \(args.joined(separator: " ")) exited \(status)") }
        return ms / 1000
    }

    /// A monthly 2026 (made when `create`) with the year and January advanced to assessment: ratings are accepted
    /// while their period runs or is being assessed, and TPP is paid from assessed periods.
    func prepareJanuary(bin: String, create: Bool = true) throws {
        if create { _ = try kinerjactl(["period", "create", "2026", "--periodic", "monthly"], bin: bin) }
        for (id, times) in [("2026", 2), ("2026-01", 3)] {
            for _ in 0..<times { _ = try? kinerjactl(["period", "advance", id, "--force", "--reason", "benchmark"], bin: bin) }
        }
    }

    /// The TPP base of each kelas jabatan (1–17) the benchmarks import.
    static let tppBases: Data = {
        var base = "kelas_jabatan,base_rupiah\n"
        for k in 1...17 { base += "\(k),\(1_500_000 + k * 350_000)\n" }
        return Data(base.utf8)
    }()

    /// Resident set size of the daemon (VmRSS), MiB; `peak` for the most it has held (VmHWM).
    func rssMiB(peak: Bool = false) -> Double {
        let key = peak ? "VmHWM:" : "VmRSS:"
        guard let status = try? String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
            let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return -1 }
        return (kb / 1024).rounded(to: 1)
    }

    func stop() {
        child.signal(SIGTERM)
        child.wait(timeout: 60)
        if let log = try? String(contentsOfFile: dir + "/kinerjad.log", encoding: .utf8) {
            for line in log.split(separator: "\n") where line.contains("timing") { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        // KINERJA_BENCH_KEEP=1 keeps the folder (the generated files, the database, the log) to look into afterwards.
        if ProcessInfo.processInfo.environment["KINERJA_BENCH_KEEP"] == nil {
            try? FileManager.default.removeItem(atPath: dir)
        } else {
            FileHandle.standardError.write(Data("kept: \(dir)\n".utf8))
        }
    }
}

/// #16: while a bulk import runs, one small write every 100 ms (an admin switching a built-in reminder rule off and on
/// again: a write that no import reads and no TPP month depends on); the longest any of them waited is the figure.
final class WriteProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var latencies: [Double] = []
    private var running = true
    private let thread: Thread

    init(socket: String, nip: String) {
        let box = ProbeBox()
        thread = Thread {
            let semaphore = DispatchSemaphore(value: 0)
            Task {
                defer { semaphore.signal() }
                guard let transport = try? HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
                else { return }
                try? await withGRPCClient(transport: transport) { client in
                    let reminders = Kinerja_V1_ReminderService.Client(wrapping: client)
                    var i = 0
                    while box.probe?.isRunning ?? true {
                        let t0 = ContinuousClock.now
                        if i % 2 == 0 {
                            _ = try? await reminders.removeRule(.with { $0.name = "skp-januari" })
                        } else {
                            _ = try? await reminders.enableRule(.with { $0.name = "skp-januari" })
                        }
                        box.probe?.record((ContinuousClock.now - t0).milliseconds)
                        i += 1
                        try? await Task.sleep(for: .milliseconds(100))
                    }
                }
            }
            semaphore.wait()
        }
        box.probe = self
        thread.start()
    }

    var isRunning: Bool { lock.withLock { running } }
    func record(_ ms: Double) { lock.withLock { latencies.append(ms) } }

    /// Stops the probe; the longest wait (ms) and the number of writes made.
    func stop() -> (maxMs: Double, writes: Int) {
        lock.withLock { running = false }
        while !thread.isFinished { usleep(10_000) }
        return lock.withLock { ((latencies.max() ?? 0).rounded(to: 1), latencies.count) }
    }

    private final class ProbeBox: @unchecked Sendable { weak var probe: WriteProbe? }
}
