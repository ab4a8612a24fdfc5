import Foundation
import GRDB
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KinerjaAPI
import KinerjaFixtures
import SwiftProtobuf
import Synchronization
import Testing

/// A big SKP import is applied in steps (`[server] import_step_skp`): single writes go on between the steps, readers
/// of SKPs see all of it or none of it, and a kill -9 after it began is finished when the daemon starts again.
@Suite(.serialized) struct StagedSKPImportTests {
    static let employees = 3_000

    /// A daemon with an agency of `employees`, a 2026 period and the SKP document for everyone.
    static func agency(step: Int, rows: Int = 50_000, periodic: String = "none") async throws -> (Daemon, dir: String, skp: String, config: String) {
        let dir = try shortTemporaryDirectory("ks")
        let config = dir + "/kinerjad.toml"
        try "[server]\nimport_step_skp = \(step)\nimport_step_rows = \(rows)\n".write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try Daemon(extraArguments: ["--config", config])
        try await daemon.waitReady()
        let sample = SampleAgency(unitCount: 10, employeeCount: employees)
        try sample.unitsCSV.write(to: URL(fileURLWithPath: dir + "/units.csv"))
        try sample.employeesCSV.write(to: URL(fileURLWithPath: dir + "/employees.csv"))
        #expect(try await daemon.ctl(["unit", "import", dir + "/units.csv"]).status == 0)
        #expect(try await daemon.ctl(["employee", "import", dir + "/employees.csv"]).status == 0)
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", periodic]).status == 0)
        let (skp, realisasi) = sample.skpAndRealisasi(year: 2026, month: 1)
        try skp.write(to: URL(fileURLWithPath: dir + "/skp.json"))
        try realisasi.write(to: URL(fileURLWithPath: dir + "/realisasi.csv"))
        return (daemon, dir, dir + "/skp.json", config)
    }

    static func readOnly(_ stateDir: String) throws -> DatabaseQueue {
        var c = Configuration()
        c.readonly = true
        c.busyMode = .timeout(5)
        return try DatabaseQueue(path: stateDir + "/kinerja.db", configuration: c)
    }

    /// `kinerjactl` against the daemon on `socket` (callable from any thread).
    static func ctl(_ socket: String, _ arguments: [String]) throws -> ProcessResult {
        try runProcessBlocking(Binaries.kinerjactl, arguments + ["--socket", socket], environment: Daemon.environment()).0
    }

    /// SKPs the daemon reports missing for 2026 (through its API, as any reader sees them).
    static func missing(_ socket: String) throws -> Int? {
        let r = try ctl(socket, ["skp", "list", "--period", "2026", "--status", "approved", "-o", "json"])
        guard r.status == 0 else { return nil }
        return ((try jsonObject(r.stdout))["missing"] as? NSNumber)?.intValue
    }

    @Test func readersSeeAllOrNothingAndSingleWritesGoOnBetweenTheSteps() async throws {
        // Two SKPs a step: 1,500 steps, a half-applied window long enough for single writes to land in it even when
        // the steps are quick and the machine is loaded by the other suites.
        let (daemon, _, skp, _) = try await Self.agency(step: 2)
        let socket = daemon.socket
        let stateDir = daemon.stateDir
        let done = Atomic(false)
        // A reader through the daemon: the SKPs missing are always all of them or none.
        let seen = Mutex<Set<Int>>([])
        let reader = Thread {
            while !done.load(ordering: .relaxed) {
                if let m = try? Self.missing(socket) { seen.withLock { _ = $0.insert(m) } }
            }
        }
        // Single writes (an admin switching a built-in reminder off and on) over one connection kept open, so that a
        // loaded machine's process start-up does not space them out, and a watcher of the database file that notes
        // single writes committed while the import was half applied.
        let writer = Task {
            let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
            try await withGRPCClient(transport: transport) { client in
                let reminders = Kinerja_V1_ReminderService.Client(wrapping: client)
                var on = true
                while !done.load(ordering: .relaxed) {
                    if on {
                        _ = try? await reminders.removeRule(.with { $0.name = "skp-januari" })
                    } else {
                        _ = try? await reminders.enableRule(.with { $0.name = "skp-januari" })
                    }
                    on.toggle()
                }
            }
        }
        let interleaved = Atomic(0)
        let watcher = Thread {
            guard let db = try? Self.readOnly(stateDir) else { return }
            // The first audit row seen while the import was half applied; any later one seen while still half applied
            // was committed between two of its steps.
            var firstAuditDuringApply: Int64?
            while !done.load(ordering: .relaxed) {
                if let (epoch, audit) = try? db.read({ db in
                    (
                        try Int64.fetchOne(db, sql: "SELECT epoch FROM staged_apply") ?? 0,
                        try Int64.fetchOne(db, sql: "SELECT max(id) FROM audit_log WHERE rpc != 'ImportSKP'") ?? 0
                    )
                }) {
                    if epoch & 1 == 1 {
                        if let first = firstAuditDuringApply, audit > first { interleaved.add(1, ordering: .relaxed) }
                        firstAuditDuringApply = firstAuditDuringApply ?? audit
                    }
                }
                usleep(2_000)
            }
        }
        reader.start()
        watcher.start()
        await pause(0.3)
        // 1,500 steps with single writes between them: on a machine loaded by the other suites that can take a minute.
        let imported = try await daemon.ctl(["skp", "import", skp, "--submit"], timeout: 240)
        await pause(0.3)
        done.store(true, ordering: .relaxed)
        _ = try await writer.value
        await pause(0.5)
        #expect(imported.status == 0, "\(imported.stderr)")
        let observed = seen.withLock { $0 }
        #expect(observed.isSubset(of: [0, Self.employees]), "readers saw \(observed.sorted()) SKPs missing")
        #expect(observed.contains(Self.employees))
        #expect(try Self.missing(daemon.socket) == 0)
        let list = try jsonObject(try await daemon.ctl(["skp", "list", "--period", "2026", "-o", "json"]).stdout)
        #expect((list["skp"] as? [[String: Any]])?.count == Self.employees)
        #expect((list["skp"] as? [[String: Any]])?.allSatisfy { ($0["indicators"] as? NSNumber)?.intValue == 6 } == true)
        #expect(interleaved.load(ordering: .relaxed) > 0, "no single write committed between the import's steps")
        let audit = try jsonArray(try await daemon.ctl(["audit", "list", "-o", "json", "--limit", "1000"]).stdout)
        #expect(audit.filter { $0["rpc"] as? String == "ImportSKP" }.count == 1)
        #expect(await daemon.stop() == 0)
    }

    @Test func aKillAfterTheImportBeganIsFinishedWhenTheDaemonStarts() async throws {
        var (daemon, dir, skp, config) = try await Self.agency(step: 10)
        let state = daemon.stateDir
        let db = try Self.readOnly(daemon.stateDir)
        let importing = try ChildProcess(
            Binaries.kinerjactl, ["skp", "import", skp, "--submit", "--socket", daemon.socket], environment: Daemon.environment(),
            stdout: dir + "/import.out", stderr: dir + "/import.err")
        let began = await eventually(120) {
            (try? db.read { db in try Int64.fetchOne(db, sql: "SELECT epoch FROM staged_apply") ?? 0 }).map { $0 & 1 == 1 } ?? false
        }
        #expect(began, "the import never began its steps")
        kill(daemon.pid, SIGKILL)
        _ = await daemon.child.waitAsync(timeout: 10)
        _ = await importing.waitAsync(timeout: 10)
        let half = try await db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skp WHERE period_id = '2026'") ?? 0 }
        print("staged import killed with \(half) of \(Self.employees) SKPs applied")
        try db.close()
        daemon = try Daemon(stateDir: state, extraArguments: ["--config", config])
        try await daemon.waitReady()
        #expect(daemon.log.contains("finished applying an SKP import"), "\(daemon.log.suffix(2_000))")
        #expect(try Self.missing(daemon.socket) == 0)
        let list = try jsonObject(try await daemon.ctl(["skp", "list", "--period", "2026", "-o", "json"]).stdout)
        #expect((list["skp"] as? [[String: Any]])?.count == Self.employees)
        let audit = try jsonArray(try await daemon.ctl(["audit", "list", "-o", "json", "--limit", "50"]).stdout)
        #expect(audit.contains { $0["rpc"] as? String == "ImportSKP" })
        #expect(await daemon.stop() == 0)
    }

    @Test func aBigRealisasiImportIsAllOrNothingToReaders() async throws {
        let (daemon, dir, skp, _) = try await Self.agency(step: 1_000, rows: 500, periodic: "monthly")
        #expect(try await daemon.ctl(["skp", "import", skp, "--submit"]).status == 0)
        #expect(try await daemon.ctl(["skp", "approve", "--all", "--period", "2026"]).status == 0)
        let socket = daemon.socket
        let done = Atomic(false)
        let seen = Mutex<Set<Int>>([])
        let reader = Thread {
            while !done.load(ordering: .relaxed) {
                if let r = try? Self.ctl(socket, ["period", "show", "2026-01", "-o", "json"]), r.status == 0,
                    let filled = ((try? jsonObject(r.stdout))?["realisasi_filled"] as? NSNumber)?.intValue
                {
                    seen.withLock { _ = $0.insert(filled) }
                }
            }
        }
        reader.start()
        await pause(0.3)
        let imported = try await daemon.ctl(["realisasi", "import", dir + "/realisasi.csv"])
        await pause(0.3)
        done.store(true, ordering: .relaxed)
        await pause(0.5)
        #expect(imported.status == 0, "\(imported.stderr)")
        let rows = Self.employees * 6
        let observed = seen.withLock { $0 }
        #expect(observed.isSubset(of: [0, rows]), "readers saw \(observed.sorted()) realisasi filled")
        let shown = try jsonObject(try await daemon.ctl(["period", "show", "2026-01", "-o", "json"]).stdout)
        #expect((shown["realisasi_filled"] as? NSNumber)?.intValue == rows)
        #expect(await daemon.stop() == 0)
    }
}
