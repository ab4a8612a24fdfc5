import Foundation
import KinerjaFixtures
import Testing

/// One record at a time through `kinerjactl` against a real daemon: realisasi put/list/delete, activity add/delete,
/// and a deadline extension.
@Suite struct SelfServiceE2ETests {
    @Test func realisasiAndActivitiesOneAtATimeFromTheCommandLine() async throws {
        let (daemon, dir) = try await organisedDaemon()
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "monthly"]).status == 0)
        #expect(try await daemon.ctl(["period", "advance", "2026"]).status == 0)
        #expect(try await daemon.ctl(["skp", "import", try write(skpDocument(period: "2026"), dir, "skp.json"), "--submit"]).status == 0)
        #expect(try await daemon.ctl(["skp", "approve", "--all", "--period", "2026"]).status == 0)
        #expect(try await daemon.ctl(["period", "advance", "2026", "--force", "--reason", "uji"]).status == 0)
        for _ in 0..<2 { #expect(try await daemon.ctl(["period", "advance", "2026-11", "--force", "--reason", "uji"]).status == 0) }

        let put = try await daemon.ctl(["realisasi", "put", budi, "--period", "2026-11", "--rhk", "R1", "--indicator", "I1", "--value", "4,5", "-o", "json"])
        #expect(put.status == 0, "\(put.stderr)")
        #expect((try jsonObject(put.stdout)["value"] as? NSNumber)?.doubleValue == 4.5)
        let bad = try await daemon.ctl(["realisasi", "put", budi, "--period", "2026-11", "--rhk", "R1", "--indicator", "I2"])
        #expect(bad.status == 1 && bad.stderr.contains("INVALID_ARGUMENT") && bad.stderr.contains("qualitative target"), "\(bad.stderr)")
        let list = try jsonObject(try await daemon.ctl(["realisasi", "list", budi, "--period", "2026-11", "-o", "json"]).stdout)
        #expect((list["realisasi"] as? [Any])?.count == 1)
        #expect(list["deadline"] as? String == "2026-12-10")
        let table = try await daemon.ctl(["realisasi", "list", budi, "--period", "2026-11"])
        #expect(table.stdout.contains("R1") && table.stdout.contains("4.5"), "\(table.stdout)")
        let deleted = try await daemon.ctl(["realisasi", "delete", budi, "--period", "2026-11", "--rhk", "R1", "--indicator", "I1"])
        #expect(deleted.stdout.contains("deleted"))

        let added = try await daemon.ctl([
            "activity", "add", budi, "--date", "2026-11-20", "--description", "Rapat evaluasi", "--minutes", "90", "--rhk", "R1", "-o", "json",
        ])
        #expect(added.status == 0, "\(added.stderr)")
        let id = try #require((try jsonObject(added.stdout)["id"] as? NSNumber)?.int64Value)
        let tooLong = try await daemon.ctl(["activity", "add", budi, "--date", "2026-11-20", "--description", "Lembur", "--minutes", "1400"])
        #expect(tooLong.status == 1 && tooLong.stderr.contains("a day holds at most 1440"), "\(tooLong.stderr)")
        #expect(try await daemon.ctl(["activity", "delete", budi, "--id", "\(id)"]).stdout.contains("deleted"))

        let extended = try await daemon.ctl(["period", "extend", "2026-11", "--nip", budi, "--until", "2026-12-20", "--reason", "dinas luar"])
        #expect(extended.status == 0 && extended.stdout.contains("until 2026-12-20"), "\(extended.stderr)")
        #expect(try jsonObject(try await daemon.ctl(["realisasi", "list", budi, "--period", "2026-11", "-o", "json"]).stdout)["extended"] as? Bool == true)
        #expect(await daemon.stop() == 0)
    }
}
