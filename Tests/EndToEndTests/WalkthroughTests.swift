import Foundation
import Testing

/// The repository's root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Every sample agency's walkthrough, against a real daemon with that agency's plugin loaded.
@Suite(.serialized) struct WalkthroughTests {
    func walk(_ id: String) async throws -> String {
        let plugins = try pluginDirectory(["libkinerja-plugin-\(id).so": "libkinerja-plugin-\(id).so"])
        let (daemon, _, _) = try await pluginDaemon("load = [\"\(id)\"]\n", dir: plugins)
        let out = try shortTemporaryDirectory("kw")
        let environment = Daemon.environment(merging: ["KINERJACTL": Binaries.kinerjactl, "KINERJA_SOCKET": daemon.socket, "OUT": out])
        let r = try await runProcess("/bin/bash", [repositoryRoot + "/examples/\(id)/walkthrough.sh"], environment: environment, timeout: 600)
        #expect(r.status == 0, "walkthrough \(id) failed:\n\(r.stdout.suffix(3000))\n\(r.stderr)")
        #expect(r.stdout.hasSuffix("== Done\n"))
        #expect(r.stdout.contains("34 derived, 0 not derivable, 34 set (rules: \(id))"))
        #expect(r.stdout.contains("34 paid, 0 blocked"))
        #expect(r.stdout.contains("is now closed"))
        let payroll = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix("payroll-") }
        #expect(payroll.count == 1)
        await daemon.stop()
        return r.stdout
    }

    @Test func gajahmungkur() async throws {
        let out = try await walk("gajahmungkur")
        // Two Sangat Baik per bidang, all with a 360° score of 3.00.
        #expect(out.components(separatedBy: "  3.00\n").count - 1 == 6)
    }

    @Test func aceh() async throws {
        let out = try await walk("aceh")
        #expect(out.contains("di_atas lowered to sesuai: TK 3 days in 2026-03"))
        #expect(out.contains("Penghargaan 2026: Sangat Baik tahunan"))
        #expect(out.contains("Pelatihan Manajemen Perubahan dan Inovasi"))
    }

    @Test func bukittinggi() async throws {
        let out = try await walk("bukittinggi")
        #expect(out.contains("capaian 115.00%"))
        #expect(out.contains("(rules: bukittinggi)"))
    }

    @Test func kotalama() async throws {
        let out = try await walk("kotalama")
        #expect(out.contains("Adaptif  1.00"))
        #expect(out.contains("-> mean of 7 aspects 1.86"))
    }

    @Test func kupang() async throws {
        let out = try await walk("kupang")
        #expect(out.contains("(rules: kupang)"))
        #expect(out.contains("activity 6630 of 6750 minutes in 2025-03 → factor 98.22%"))
        #expect(out.contains("T15:30:00+08:00  kupang-kegiatan-harian"))
    }
}
