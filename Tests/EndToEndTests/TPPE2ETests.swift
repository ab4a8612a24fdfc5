import Foundation
import Testing

@Suite(.serialized) struct TPPE2ETests {
    func prepare(_ daemon: Daemon, _ dir: String) async throws {
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "monthly"]).status == 0)
        try await openPeriods(daemon, year: "2026", ["2026-03"])
        #expect(try await daemon.ctl(["tpp", "base", "import", try write("kelas_jabatan,base_rupiah\n7,5000000\n8,3250000\n", dir, "base.csv")]).status == 0)
        // Budi: baik; Rina: butuh perbaikan.
        #expect(try await daemon.ctl(["rating", "set", budi, "--period", "2026-03", "--hasil-kerja", "di_atas", "--perilaku-kerja", "sesuai"]).status == 0)
        #expect(try await daemon.ctl(["rating", "set", rina, "--period", "2026-03", "--hasil-kerja", "di_bawah", "--perilaku-kerja", "di_atas"]).status == 0)
        let attendance = "nip,tl1,tl2,tl3,tl4,psw1,psw2,psw3,psw4,tk,sanction_percent\n\(budi),2,0,0,0,0,1,0,0,1,0\n\(rina),0,0,0,0,0,0,0,0,12,20\n"
        #expect(try await daemon.ctl(["tpp", "attendance", "import", try write(attendance, dir, "att.csv"), "--month", "2026-03"]).status == 0)
    }

    @Test func theAgencyPluginReplacesTheComputation() async throws {
        let (daemon, _, _) = try await pluginDaemon("load = [\"testswift\"]\n")
        let (_, dir) = try organisedDaemonFiles()
        #expect(try await daemon.ctl(["unit", "import", dir + "/units.csv"]).status == 0)
        #expect(try await daemon.ctl(["employee", "import", dir + "/employees.csv"]).status == 0)
        try await prepare(daemon, dir)
        #expect(try await daemon.ctl(["agency", "set", "--plugin", "testswift"]).status == 0)
        let computed = try jsonObject(try await daemon.ctl(["tpp", "compute", "--month", "2026-03", "-o", "json"]).stdout)
        #expect(computed["handled_by"] as? String == "testswift")
        let b = try jsonObject(try await daemon.ctl(["tpp", "show", budi, "--month", "2026-03", "-o", "json"]).stdout)
        #expect((b["kinerja"] as? NSNumber)?.int64Value == 3_500_000)  // 70 % share
        #expect((b["disiplin"] as? NSNumber)?.int64Value == 1_200_000)  // 5,000,000 × (30 % − 6 %)
        #expect(b["handled_by"] as? String == "testswift")
        #expect(await daemon.stop() == 0)
    }

    @Test func agencySettingsOverridesAndExplanationsKeepTheirNumbers() async throws {
        let settings = "[tpp]\nkinerja_share_percent = 70\ndisiplin_share_percent = 30\n[tpp.deduction_percent]\ntk = 5\n"
        let (daemon, plugins, configPath) = try await pluginDaemon(settings)
        let (_, dir) = try organisedDaemonFiles()
        #expect(try await daemon.ctl(["unit", "import", dir + "/units.csv"]).status == 0)
        #expect(try await daemon.ctl(["employee", "import", dir + "/employees.csv"]).status == 0)
        try await prepare(daemon, dir)
        func show() async throws -> [String: Any] { try jsonObject(try await daemon.ctl(["tpp", "show", budi, "--month", "2026-03", "-o", "json"]).stdout) }
        func money(_ o: [String: Any], _ key: String) -> Int64? { (o[key] as? NSNumber)?.int64Value }

        // 70/30 shares, TK at 5 %: deductions 1 % + 1 % + 5 % = 7 %.
        #expect(try await daemon.ctl(["tpp", "compute", "--month", "2026-03"]).status == 0)
        var b = try await show()
        #expect(money(b, "kinerja") == 3_500_000)  // 5,000,000 × 70 %
        #expect(money(b, "disiplin") == 1_150_000)  // 5,000,000 × (30 % − 7 %)
        #expect(money(b, "tax") == 232_500)
        #expect(money(b, "net") == 4_417_500)
        #expect(b["deductions_percent"] as? String == "7")

        // An employee's own base: admin only, audited, used from the next computation.
        #expect(try await daemon.ctl(["tpp", "override", "set", budi, "6.000.000", "--reason", "jabatan khusus"]).status == 0)
        #expect(try await daemon.ctl(["tpp", "override", "set", budi, "-5"]).status == 2)
        let unknown = try await daemon.ctl(["tpp", "override", "set", "198001012005011009", "1000"])
        #expect(unknown.status == 1 && unknown.stderr.contains("NOT_FOUND"))
        let list = try await daemon.ctl(["tpp", "override", "list", "-o", "json"])
        let overrides = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(overrides.count == 1 && overrides.first?["nip"] as? String == budi && money(overrides[0], "base_rupiah") == 6_000_000)
        // Not recomputed yet: the month's inputs changed, so it is not shown until it is computed again.
        let stale = try await daemon.ctl(["tpp", "show", budi, "--month", "2026-03"])
        #expect(stale.status == 1 && stale.stderr.contains("inputs changed since compute at"), "\(stale.stderr)")
        #expect(try await daemon.ctl(["tpp", "compute", "--month", "2026-03"]).status == 0)
        b = try await show()
        #expect(b["base_source"] as? String == "employee override")
        #expect(money(b, "kinerja") == 4_200_000)
        #expect(money(b, "disiplin") == 1_380_000)
        #expect(money(b, "net") == 5_301_000)  // 5,580,000 − 5 %

        // New numbers in the config apply to the next computation; the month keeps explaining the old ones.
        try "[plugins]\ndir = \"\(plugins)\"\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        #expect(try await daemon.ctl(["reload"]).status == 0)
        let explained = try await daemon.ctl(["tpp", "show", budi, "--month", "2026-03"]).stdout
        #expect(explained.contains("kinerja = round(6000000 × 70% × 100%) = 4200000"), "\(explained)")
        #expect(explained.contains("deduction TK × 1 at 5% = 5% of base"))
        #expect(explained.contains("net paid: Rp 5.301.000"), "\(explained)")
        // The payroll file: written where asked; the blocked are named on stderr.
        let export = try await daemon.ctl(["tpp", "export", "--month", "2026-03", dir + "/payroll.csv", "-o", "json"])
        #expect(export.status == 0, "\(export.stderr)")
        let payroll = try String(contentsOfFile: dir + "/payroll.csv", encoding: .utf8)
        #expect(payroll.hasPrefix("nip,name,unit_code,") && payroll.contains(budi))
        #expect((try jsonObject(export.stdout)["total_net"] as? NSNumber)?.int64Value ?? 0 > 0)
        #expect(try await daemon.ctl(["tpp", "export", "--month", "2026-03"]).stderr.contains("blocked \(kepala)"))
        #expect(try await daemon.ctl(["tpp", "compute", "--month", "2026-03"]).status == 0)
        b = try await show()
        #expect(money(b, "kinerja") == 3_600_000)
        #expect(money(b, "disiplin") == 2_040_000)  // 6,000,000 × (40 % − 6 %)
        #expect(money(b, "net") == 5_358_000)
        #expect((b["steps"] as? [String])?.contains("kinerja = round(6000000 × 60% × 100%) = 3600000") == true)

        #expect(try await daemon.ctl(["tpp", "override", "clear", budi]).status == 0)
        let again = try await daemon.ctl(["tpp", "override", "clear", budi])
        #expect(again.status == 1 && again.stderr.contains("FAILED_PRECONDITION") && again.stderr.contains("no TPP override"))
        #expect(try await daemon.ctl(["tpp", "compute", "--month", "2026-03"]).status == 0)
        #expect(try await show()["base_source"] as? String == "kelas jabatan 7")
        let audit = try await daemon.ctl(["audit", "list", "-o", "json"]).stdout
        #expect(audit.contains("none → 6000000: jabatan khusus") && audit.contains("6000000 → none"))
        #expect(await daemon.stop() == 0)
    }
}
