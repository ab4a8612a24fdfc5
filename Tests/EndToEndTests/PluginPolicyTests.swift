import Foundation
import Testing

/// The agency plugins start from the agency's `[tpp]` numbers (carried in the ComputeIncentive request) and change
/// only what their own rule changes.
@Suite(.serialized) struct PluginPolicyTests {
    static let tpp = """
        [tpp]
        kinerja_share_percent = 50
        disiplin_share_percent = 50
        cpns_percent = 80
        tax_mode = "borne"
        bpjs_percent = 1
        [tpp.predikat_factor_percent]
        baik = 90
        [tpp.deduction_percent]
        tk = 5
        [tpp.tax_percent]
        pns = [0, 0, 10, 15]

        """

    /// One CPNS, III/b, base 5,000,000, Baik, TL1 × 2 + PSW2 + TK: 1 % + 1 % + 5 % = 7 %, and 3,375 minutes of activity.
    static let request =
        #"{"inputs": [{"nip": "198503152010011001", "month": "2026-03", "base_rupiah": 5000000, "predikat": "baik", "predikat_period": "2026-03", "attendance": {"tl1": 2, "psw2": 1, "tk": 1}, "golongan": "III/b", "kind": "PNS", "activity_minutes": 3375, "cpns": true}]}"#

    func result(_ daemon: Daemon, _ id: String) async throws -> [String: Any] {
        let r = try await daemon.ctl(["plugin", "call", id, "ComputeIncentive", "--json", Self.request, "-o", "json"])
        #expect(r.status == 0, "\(id): \(r.stderr)")
        let o = try jsonObject(r.stdout)
        let response = (o["response"] as? [String: Any]) ?? o
        return try #require((response["results"] as? [[String: Any]])?.first, "\(id): \(r.stdout)")
    }

    func figures(_ r: [String: Any]) -> [Int64] {
        // proto3 JSON writes int64 as strings and leaves zero out.
        ["kinerja", "disiplin", "gross", "bpjs", "tax", "net"].map { (r[$0] as? String).flatMap { Int64($0) } ?? (r[$0] as? NSNumber)?.int64Value ?? 0 }
    }

    @Test func kupangAndBukittinggiComputeWithTheAgencysNumbers() async throws {
        let plugins = try pluginDirectory([
            "libkinerja-plugin-kupang.so": "libkinerja-plugin-kupang.so", "libkinerja-plugin-bukittinggi.so": "libkinerja-plugin-bukittinggi.so",
        ])
        let (daemon, _, _) = try await pluginDaemon("load = [\"kupang\", \"bukittinggi\"]\n" + Self.tpp, dir: plugins)
        // Base: CPNS 80 % of 5,000,000 = 4,000,000. Disiplin (agency 50 %): 4,000,000 × (50 % − 7 %) = 1,720,000.
        // Kupang: factor 3,375 / 6,750 = 50 %: kinerja 4,000,000 × 50 % × 50 % = 1,000,000; gross 2,720,000;
        //   bpjs 1 % = 27,200; tax 10 % (III, agency's band) of 2,692,800 = 269,280, borne: net 2,692,800.
        let kupang = try await result(daemon, "kupang")
        #expect(figures(kupang) == [1_000_000, 1_720_000, 2_720_000, 27_200, 269_280, 2_692_800], "\(kupang)")
        #expect(kupang["tax_borne"] as? Bool == true)
        // Bukittinggi keeps its own 70 / 30 shares, the rest is the agency's: kinerja 4,000,000 × 70 % × 90 % = 2,520,000;
        //   disiplin 4,000,000 × (30 % − 7 %) = 920,000; gross 3,440,000; bpjs 34,400; tax 10 % of 3,405,600 = 340,560;
        //   net 3,405,600.
        let bukittinggi = try await result(daemon, "bukittinggi")
        #expect(figures(bukittinggi) == [2_520_000, 920_000, 3_440_000, 34_400, 340_560, 3_405_600], "\(bukittinggi)")
        #expect(await daemon.stop() == 0)
    }
}
