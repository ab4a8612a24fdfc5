import Foundation
import GRDB
import GRPCCore
import KinerjaFixtures
import Testing

/// Inputs that used to crash the daemon, pay the wrong amount or leave inconsistent data (issue: hardening), each
/// against a real daemon over its socket.
@Suite(.serialized) struct HardeningTests {
    /// The bukittinggi agency with budi's SKP approved and the year (and March) running.
    func bukittinggiWithSKP() async throws -> (Daemon, String) {
        let (daemon, dir) = try await agencyDaemon("bukittinggi")
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "monthly"]).status == 0)
        let imported = try await daemon.ctl(["skp", "import", try write(skpDocument(period: "2026"), dir, "skp.json"), "--submit"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try await daemon.ctl(["skp", "approve", "--all", "--period", "2026"]).status == 0)
        return (daemon, dir)
    }

    @Test func hugeRealisasiIsRefusedAndAStoredOneIsNotDerivable() async throws {
        let (daemon, dir) = try await bukittinggiWithSKP()
        let header = "nip,period,rhk_id,indicator_id,value,text,evidence,note\n"
        for bad in ["1e33", "NaN", "inf", "0.0000001", "1000000000001", "1e400"] {
            let r = try await daemon.ctl(["realisasi", "import", try write(header + "\(budi),2026-03,R1,I1,\(bad),,,\n", dir, "bad.csv")])
            #expect(r.status == 1, "\(bad) was accepted")
            #expect(r.stderr.contains("line 2, column value"), "\(bad): \(r.stderr)")
        }
        // A value written before the bounds existed (straight into the database) must not crash derive.
        #expect(try await daemon.ctl(["realisasi", "import", try write(header + "\(budi),2026-03,R1,I1,12,,,\n", dir, "ok.csv")]).status == 0)
        let queue = try DatabaseQueue(path: daemon.stateDir + "/kinerja.db")
        try await queue.write { db in try db.execute(sql: "UPDATE realisasi SET value = 1e33 WHERE nip = ?", arguments: [budi]) }
        for _ in 0..<2 {
            let d = try await derive(daemon, "2026-03")
            #expect(d[budi]?["not_derivable"] as? Bool == true)
            #expect((d[budi]?["reason"] as? String)?.contains("value out of range") == true, "\(d[budi] ?? [:])")
        }
        #expect(try await daemon.ctl(["status"]).status == 0)
        #expect(await daemon.stop() == 0)
    }

    @Test func sigtermStartsShutdownAtOnce() async throws {
        let daemon = try Daemon()
        try await daemon.waitReady()
        // Let the delivery worker settle into its idle wait, then measure signal → exit.
        await pause(1.5)
        let start = Date()
        daemon.child.signal(SIGTERM)
        let status = await daemon.child.waitAsync(timeout: 10)
        let elapsed = Date().timeIntervalSince(start)
        #expect(status == 0)
        print("SIGTERM to exit: \(Int(elapsed * 1000)) ms")
        // Generous for a loaded machine; the old behaviour waited for the next 5-second mark.
        #expect(elapsed < 2.0, "took \(elapsed) s")
    }

}
