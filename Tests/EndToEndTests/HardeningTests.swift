import Foundation
import GRDB
import GRPCCore
import Testing

/// Inputs that used to crash the daemon, pay the wrong amount or leave inconsistent data (issue: hardening), each
/// against a real daemon over its socket.
@Suite(.serialized) struct HardeningTests {
    /// The bukittinggi agency with budi's SKP approved and the year (and March) running.
    func bukittinggiWithSKP() throws -> (Daemon, String) {
        let (daemon, dir) = try agencyDaemon("bukittinggi")
        #expect(try daemon.ctl(["period", "create", "2026", "--periodic", "monthly"]).status == 0)
        let imported = try daemon.ctl(["skp", "import", try write(skpDocument(period: "2026"), dir, "skp.json"), "--submit"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try daemon.ctl(["skp", "approve", "--all", "--period", "2026"]).status == 0)
        return (daemon, dir)
    }

    @Test func hugeRealisasiIsRefusedAndAStoredOneIsNotDerivable() throws {
        let (daemon, dir) = try bukittinggiWithSKP()
        let header = "nip,period,rhk_id,indicator_id,value,text,evidence,note\n"
        for bad in ["1e33", "NaN", "inf", "0.0000001", "1000000000001", "1e400"] {
            let r = try daemon.ctl(["realisasi", "import", try write(header + "\(budi),2026-03,R1,I1,\(bad),,,\n", dir, "bad.csv")])
            #expect(r.status == 1, "\(bad) was accepted")
            #expect(r.stderr.contains("line 2, column value"), "\(bad): \(r.stderr)")
        }
        // A value written before the bounds existed (straight into the database) must not crash derive.
        #expect(try daemon.ctl(["realisasi", "import", try write(header + "\(budi),2026-03,R1,I1,12,,,\n", dir, "ok.csv")]).status == 0)
        let queue = try DatabaseQueue(path: daemon.stateDir + "/kinerja.db")
        try queue.write { db in try db.execute(sql: "UPDATE realisasi SET value = 1e33 WHERE nip = ?", arguments: [budi]) }
        for _ in 0..<2 {
            let d = try derive(daemon, "2026-03")
            #expect(d[budi]?["not_derivable"] as? Bool == true)
            #expect((d[budi]?["reason"] as? String)?.contains("value out of range") == true, "\(d[budi] ?? [:])")
        }
        #expect(try daemon.ctl(["status"]).status == 0)
        #expect(daemon.stop() == 0)
    }

    @Test func sigtermStartsShutdownAtOnce() throws {
        let daemon = try Daemon()
        try daemon.waitReady()
        // Let the delivery worker settle into its idle wait, then measure signal → exit.
        usleep(1_500_000)
        let start = Date()
        daemon.child.signal(SIGTERM)
        let status = daemon.child.wait(timeout: 10)
        let elapsed = Date().timeIntervalSince(start)
        #expect(status == 0)
        print("SIGTERM to exit: \(Int(elapsed * 1000)) ms")
        // Generous for a loaded machine; the old behaviour waited for the next 5-second mark.
        #expect(elapsed < 2.0, "took \(elapsed) s")
    }

}

/// Runs async work from a synchronous test and waits for its result.
func waitFor<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.set(.success(try await body())) } catch { box.set(.failure(error)) }
        done.signal()
    }
    done.wait()
    return try box.get()
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?
    func set(_ r: Result<T, any Error>) { lock.lock(); result = r; lock.unlock() }
    func get() throws -> T { lock.lock(); defer { lock.unlock() }; return try result!.get() }
}
