import Foundation
import Testing

/// A daemon with one agency plugin loaded and selected, and the three-person organisation.
func agencyDaemon(_ id: String, config: String = "", zone: String? = nil) async throws -> (Daemon, String) {
    let plugins = try pluginDirectory(["libkinerja-plugin-\(id).so": "libkinerja-plugin-\(id).so"])
    let (daemon, _, _) = try await pluginDaemon("load = [\"\(id)\"]\n" + (config.isEmpty ? "" : "[plugins.config.\(id)]\n" + config), dir: plugins)
    let (_, dir) = try organisedDaemonFiles()
    #expect(try await daemon.ctl(["unit", "import", dir + "/units.csv"]).status == 0)
    #expect(try await daemon.ctl(["employee", "import", dir + "/employees.csv"]).status == 0)
    var args = ["agency", "set", "--plugin", id]
    if let zone { args += ["--zone", zone] }
    let set = try await daemon.ctl(args)
    #expect(set.status == 0, "\(set.stderr)")
    return (daemon, dir)
}

func derive(_ daemon: Daemon, _ period: String, apply: Bool = false) async throws -> [String: [String: Any]] {
    var args = ["rating", "derive", "--period", period, "-o", "json"]
    if apply { args.append("--apply") }
    let r = try await daemon.ctl(args)
    #expect(r.status == 0, "\(r.stderr)")
    let o = try jsonObject(r.stdout)
    var out: [String: [String: Any]] = [:]
    for x in o["results"] as? [[String: Any]] ?? [] { out[x["nip"] as! String] = x }
    return out
}

func report(_ daemon: Daemon, _ id: String, _ name: String, period: String) async throws -> [[String: String]] {
    let r = try await daemon.ctl(["plugin", "report", id, name, "--period", period, "-o", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let o = try jsonObject(r.stdout)
    return (o["rows"] as? [[String: Any]] ?? []).map { $0.compactMapValues { $0 as? String } }
}

@Suite(.serialized) struct AgencyPluginTests {
    @Test func allFiveLoadTogetherAndKotalamaIsAC() async throws {
        let ids = ["gajahmungkur", "aceh", "bukittinggi", "kotalama", "kupang"]
        var files: [String: String] = [:]
        for id in ids { files["libkinerja-plugin-\(id).so"] = "libkinerja-plugin-\(id).so" }
        let plugins = try pluginDirectory(files)
        let (daemon, _, _) = try await pluginDaemon("load = [\(ids.map { "\"\($0)\"" }.joined(separator: ", "))]\n", dir: plugins)
        let listed = try await pluginList(daemon)
        for id in ids {
            let p = listed.first { $0["id"] as? String == id }
            #expect(p?["status"] as? String == "loaded", "\(id): \(p ?? [:])")
            #expect(p?["language"] as? String == (id == "kotalama" ? "c" : "swift"))
        }
        #expect(try await daemon.ctl(["plugin", "list"]).stdout.contains("kotalama"))
        #expect(await daemon.stop() == 0)
    }

    @Test func gajahmungkurWeighs360FeedbackAndRewards() async throws {
        let (daemon, dir) = try await agencyDaemon("gajahmungkur")
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "monthly"]).status == 0)
        try await openPeriods(daemon, year: "2026", ["2026-03"])
        // budi: atasan 3; rekan (2 + 3) / 2 = 2.5; masyarakat 1; no bawahan (dropped):
        //   (50·3 + 20·2.5 + 20·1) / 90 = 220 / 90 = 2.44 → sesuai.
        // rina: atasan 3; masyarakat 2: (50·3 + 20·2) / 70 = 190 / 70 = 2.71 → di_atas.
        let feedback = """
            nip,source,rating,rater
            \(budi),atasan,di_atas,\(kepala)
            \(budi),rekan,sesuai,r1
            \(budi),rekan,di_atas,r2
            \(budi),masyarakat,di_bawah,survei-1
            \(rina),atasan,di_atas,\(budi)
            \(rina),masyarakat,sesuai,survei-2

            """
        #expect(try await daemon.ctl(["feedback", "import", try write(feedback, dir, "fb.csv"), "--period", "2026-03"]).status == 0)
        var d = try await derive(daemon, "2026-03")
        #expect(d[budi]?["perilaku_kerja"] as? String == "sesuai")
        #expect(
            d[budi]?["explanation"] as? String
                == "atasan 3.00 from 1 (weight 50); rekan 2.50 from 2 (weight 20); bawahan: none (weight dropped); masyarakat 1.00 from 1 (weight 20) → 2.44")
        #expect(d[rina]?["perilaku_kerja"] as? String == "di_atas")
        #expect(d[kepala]?["not_derivable"] as? Bool == true && (d[kepala]?["reason"] as? String)?.contains("no 360° feedback") == true)
        // Applying needs the supervisor's hasil kerja first; then only perilaku kerja comes from the plugin.
        d = try await derive(daemon, "2026-03", apply: true)
        #expect((d[rina]?["apply_note"] as? String)?.contains("no hasil_kerja rating yet") == true)
        for nip in [budi, rina] {
            #expect(
                try await daemon.ctl(["rating", "set", nip, "--period", "2026-03", "--hasil-kerja", "di_atas", "--perilaku-kerja", "di_bawah"]).status == 0)
        }
        d = try await derive(daemon, "2026-03", apply: true)
        #expect(d[rina]?["applied"] as? Bool == true && d[rina]?["predikat"] as? String == "sangat_baik")
        #expect(d[budi]?["predikat"] as? String == "baik")
        let listed = try await daemon.ctl(["appraisal", "list", "--period", "2026-03", "-o", "json"]).stdout
        #expect(listed.contains("plugin:gajahmungkur"))
        #expect(try await daemon.ctl(["audit", "list", "-o", "json"]).stdout.contains("2 ratings set by plugin:gajahmungkur"))
        let rows = try await report(daemon, "gajahmungkur", "penghargaan", period: "2026-03")
        #expect(rows.map { $0["nip"] } == [rina])
        #expect(rows.first?["skor_360"] == "2.71")
        #expect(await daemon.stop() == 0)
    }

    @Test func acehCapsPerilakuForDisciplineAndListsAwardsAndTraining() async throws {
        let (daemon, dir) = try await agencyDaemon("aceh", config: "pelatihan.adaptif = \"Diklat Adaptasi Digital\"\n")
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "monthly"]).status == 0)
        try await openPeriods(daemon, year: "2026", ["2026-03", "2026-04", "2026-05"])
        #expect(try await daemon.ctl(["rating", "set", budi, "--period", "2026-03", "--hasil-kerja", "di_atas", "--perilaku-kerja", "di_atas"]).status == 0)
        #expect(
            try await daemon.ctl([
                "rating", "set", rina, "--period", "2026-03", "--hasil-kerja", "di_atas", "--perilaku-kerja", "di_atas",
                "--aspect", "adaptif=di_bawah", "--aspect", "kompeten=di_bawah",
            ]).status == 0)
        // budi: 3 days TK in March → capped; rina: 2 days TK, no sanction → kept.
        let attendance = "nip,tk,sanction_percent\n\(budi),3,0\n\(rina),2,0\n"
        #expect(try await daemon.ctl(["tpp", "attendance", "import", try write(attendance, dir, "att.csv"), "--month", "2026-03"]).status == 0)
        var d = try await derive(daemon, "2026-03")
        #expect(d[budi]?["perilaku_kerja"] as? String == "sesuai")
        #expect(d[budi]?["explanation"] as? String == "di_atas lowered to sesuai: TK 3 days in 2026-03")
        #expect(d[rina]?["perilaku_kerja"] as? String == "di_atas")
        #expect(d[kepala]?["not_derivable"] as? Bool == true)
        d = try await derive(daemon, "2026-03", apply: true)
        #expect(d[budi]?["predikat"] as? String == "baik")
        // A sanction caps too, whatever the TK count.
        #expect(
            try await daemon.ctl(["tpp", "attendance", "import", try write("nip,sanction_percent\n\(rina),20\n", dir, "s.csv"), "--month", "2026-04"]).status
                == 0)
        #expect(try await daemon.ctl(["rating", "set", rina, "--period", "2026-04", "--hasil-kerja", "sesuai", "--perilaku-kerja", "di_atas"]).status == 0)
        #expect(try await derive(daemon, "2026-04")[rina]?["explanation"] as? String == "di_atas lowered to sesuai: sanction 20% in 2026-04")

        let training = try await report(daemon, "aceh", "kebutuhan_pelatihan", period: "2026-03")
        #expect(training.count == 1)
        #expect(training.first?["aspek_lemah"] == "Kompeten; Adaptif")
        #expect(training.first?["pelatihan"] == "Pelatihan Pengembangan Kompetensi Teknis; Diklat Adaptasi Digital")
        // Awards: annual Sangat Baik and every periodic predikat Baik or better; most Sangat Baik periods first.
        for nip in [budi, rina] {
            #expect(try await daemon.ctl(["rating", "set", nip, "--period", "2026", "--hasil-kerja", "di_atas", "--perilaku-kerja", "di_atas"]).status == 0)
        }
        var awards = try await report(daemon, "aceh", "penghargaan", period: "2026")
        #expect(awards.map { $0["nip"] } == [rina, budi])  // rina: 2026-03 and 2026 Sangat Baik; budi: 2026 only
        #expect(awards.first?["sangat_baik_periods"] == "2")
        #expect(try await daemon.ctl(["rating", "set", budi, "--period", "2026-05", "--hasil-kerja", "di_bawah", "--perilaku-kerja", "sesuai"]).status == 0)
        awards = try await report(daemon, "aceh", "penghargaan", period: "2026")
        #expect(awards.map { $0["nip"] } == [rina])  // budi's May is Butuh Perbaikan
        #expect(try await daemon.ctl(["plugin", "report", "aceh", "penghargaan", "--period", "2026-03"]).stderr.contains("annual period"))
        #expect(await daemon.stop() == 0)
    }

    @Test func bukittinggiDerivesHasilKerjaFromAchievementAndPays7030() async throws {
        let (daemon, dir) = try await agencyDaemon("bukittinggi")
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "monthly"]).status == 0)
        try await openPeriods(daemon, year: "2026", ["2026-03"])
        let budiSKP =
            #"{"nip": "\#(budi)", "rhk": [{"id": "R1", "kind": "utama", "text": "Laporan", "intervensi": "K1", "indicators": [{"id": "I1", "aspect": "kuantitas", "text": "Jumlah laporan", "target": 12, "unit": "laporan"}, {"id": "I3", "aspect": "waktu", "text": "Hari penyelesaian", "target": 5, "unit": "hari", "direction": "lower_is_better"}, {"id": "I2", "aspect": "kualitas", "text": "Mutu", "target_text": "baik"}]}, {"id": "R2", "kind": "utama", "text": "Pembinaan", "intervensi": "K1", "indicators": [{"id": "I1", "aspect": "kuantitas", "text": "Kegiatan", "target": 10, "unit": "kegiatan"}]}, {"id": "T1", "kind": "tambahan", "text": "Narasumber", "indicators": [{"id": "I1", "aspect": "kuantitas", "text": "Kali", "target": 4, "unit": "kali"}]}]}"#
        var document = skpDocument(period: "2026", only: [kepala, rina])
        document.replaceSubrange(document.range(of: "]}", options: .backwards)!, with: "," + budiSKP + "]}")
        let imported = try await daemon.ctl(["skp", "import", try write(document, dir, "skp.json"), "--submit"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try await daemon.ctl(["skp", "approve", "--all", "--period", "2026"]).status == 0)
        // budi R1: I1 15/12 = 125 → 120 (cap), I3 5/4 = 125 → 120 ⇒ 120; R2: 8/10 = 80 ⇒ mean (120 + 80) / 2 = 100 → sesuai.
        // rina P1: 89.1/99 = 90.00 exactly → sesuai (the boundary). kepala: no realisasi → not derivable.
        let realisasi = """
            nip,period,rhk_id,indicator_id,value,text,evidence,note
            \(budi),2026-03,R1,I1,15,,,
            \(budi),2026-03,R1,I3,4,,,
            \(budi),2026-03,R2,I1,8,,,
            \(rina),2026-03,P1,I1,89.1,,,

            """
        let r = try await daemon.ctl(["realisasi", "import", try write(realisasi, dir, "real.csv")])
        #expect(r.status == 0, "\(r.stderr)")
        var d = try await derive(daemon, "2026-03")
        #expect(d[budi]?["hasil_kerja"] as? String == "sesuai")
        #expect(d[budi]?["explanation"] as? String == "capaian 100.00% = mean of R1 120.00% (I1 120.00, I3 120.00); R2 80.00% (I1 80.00)")
        #expect(d[rina]?["hasil_kerja"] as? String == "sesuai")
        #expect((d[rina]?["explanation"] as? String)?.hasPrefix("capaian 90.00%") == true)
        #expect(d[kepala]?["not_derivable"] as? Bool == true)
        #expect(d[kepala]?["reason"] as? String == "RHK utama K1 has no realisasi for 2026-03 (indicator I1)")
        // realisasi 0 on a lower-is-better indicator counts as the cap; 13/12 = 108.33 → R1 (108.33 + 120) / 2 = 114.17.
        let better =
            "nip,period,rhk_id,indicator_id,value,text,evidence,note\n\(budi),2026-04,R1,I1,13,,,\n\(budi),2026-04,R1,I3,0,,,\n\(budi),2026-04,R2,I1,12,,,\n"
        #expect(try await daemon.ctl(["realisasi", "import", try write(better, dir, "april.csv")]).status == 0)
        d = try await derive(daemon, "2026-04")
        #expect(d[budi]?["hasil_kerja"] as? String == "di_atas")  // (114.17 + 120) / 2 = 117.08
        #expect((d[budi]?["explanation"] as? String)?.hasPrefix("capaian 117.08%") == true)
        // The annual period uses each indicator's latest periodic value (April here).
        #expect((try await derive(daemon, "2026")[budi]?["explanation"] as? String)?.hasPrefix("capaian 117.08%") == true)

        // TPP: kinerja 70 %, disiplin 30 %: 5,000,000 × 70 % = 3,500,000; × (30 % − 6 %) = 1,200,000; tax 5 %.
        #expect(
            try await daemon.ctl(["tpp", "base", "import", try write("kelas_jabatan,base_rupiah\n7,5000000\n8,3250000\n15,9000000\n", dir, "base.csv")]).status
                == 0)
        #expect(try await daemon.ctl(["rating", "set", budi, "--period", "2026-03", "--hasil-kerja", "sesuai", "--perilaku-kerja", "sesuai"]).status == 0)
        #expect(
            try await daemon.ctl(["tpp", "attendance", "import", try write("nip,tl1,psw2,tk\n\(budi),2,1,1\n", dir, "att.csv"), "--month", "2026-03"]).status
                == 0)
        let computed = try jsonObject(try await daemon.ctl(["tpp", "compute", "--month", "2026-03", "-o", "json"]).stdout)
        #expect(computed["handled_by"] as? String == "bukittinggi")
        let b = try jsonObject(try await daemon.ctl(["tpp", "show", budi, "--month", "2026-03", "-o", "json"]).stdout)
        #expect((b["kinerja"] as? NSNumber)?.int64Value == 3_500_000)
        #expect((b["disiplin"] as? NSNumber)?.int64Value == 1_200_000)
        #expect((b["net"] as? NSNumber)?.int64Value == 4_465_000)
        #expect((b["steps"] as? [String])?.first == "bukittinggi: kinerja 70% / disiplin 30%")
        #expect(await daemon.stop() == 0)
    }

    @Test func kotalamaIsACModuleThatWeighsAspects() async throws {
        let (daemon, dir) = try await agencyDaemon("kotalama")
        let plugins = try jsonArray(try await daemon.ctl(["plugin", "list", "-o", "json"]).stdout)
        #expect(plugins.contains { $0["id"] as? String == "kotalama" && $0["status"] as? String == "loaded" })
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "quarterly"]).status == 0)
        try await openPeriods(daemon, year: "2026", ["2026-Q1"])
        // budi: pelayanan 0.7·3 + 0.3·(2 + 3)/2 = 2.85; akuntabel 2 (atasan only); adaptif 0.7·1 + 0.3·1 = 1;
        //   mean (2.85 + 2 + 1) / 3 = 1.95 → sesuai. rina: every aspect di_atas from the supervisor → 3 → di_atas.
        let aspects = ["berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif"]
        let feedback = """
            nip,source,rating,rater,\(aspects.joined(separator: ","))
            \(budi),atasan,sesuai,\(kepala),di_atas,sesuai,,,,di_bawah,
            \(budi),rekan,sesuai,r1,sesuai,,,,,di_bawah,
            \(budi),rekan,di_atas,r2,di_atas,,,,,,
            \(rina),atasan,di_atas,\(budi),di_atas,di_atas,di_atas,di_atas,di_atas,di_atas,di_atas
            \(rina),masyarakat,di_bawah,survei-9,di_bawah,di_bawah,di_bawah,di_bawah,di_bawah,di_bawah,di_bawah

            """
        let imported = try await daemon.ctl(["feedback", "import", try write(feedback, dir, "fb.csv"), "--period", "2026-Q1"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let d = try await derive(daemon, "2026-Q1")
        #expect(d[budi]?["perilaku_kerja"] as? String == "sesuai")
        #expect(d[budi]?["explanation"] as? String == "berorientasi_pelayanan 2.85, akuntabel 2.00, adaptif 1.00 -> mean of 3 aspects 1.95")
        #expect(d[rina]?["perilaku_kerja"] as? String == "di_atas")  // the public's ratings are not part of Kotalama's rule
        #expect(d[kepala]?["not_derivable"] as? Bool == true)
        let rows = try await report(daemon, "kotalama", "kebutuhan_pelatihan", period: "2026-Q1")
        #expect(rows.count == 1)
        #expect(rows.first?["nip"] == budi && rows.first?["aspek"] == "Adaptif" && rows.first?["skor"] == "1.00")
        #expect(await daemon.stop() == 0)
    }

    @Test func kupangPaysByActivityTimeAndRemindsAtHalfPastThreeWITA() async throws {
        let (daemon, dir) = try await agencyDaemon("kupang", zone: "Asia/Makassar")
        let refused = try await daemon.ctl(["period", "create", "2026", "--periodic", "monthly"])
        #expect(refused.status == 1 && refused.stderr.contains("--periodic none"), "\(refused.stderr)")
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "none"]).status == 0)
        try await openPeriods(daemon, year: "2026")
        #expect(
            try await daemon.ctl(["tpp", "base", "import", try write("kelas_jabatan,base_rupiah\n7,4000000\n8,3000000\n15,9000000\n", dir, "base.csv")]).status
                == 0)
        // budi: 5,400 minutes in March (factor 80 %), TL2 × 1: kinerja 4,000,000 × 60 % × 80 % = 1,920,000;
        // disiplin 4,000,000 × (40 % − 1 %) = 1,560,000; gross 3,480,000; tax 5 % = 174,000; net 3,306,000.
        var activities = "nip,date,description,minutes\n"
        for (day, minutes) in [(2, 1200), (3, 1200), (4, 1200), (5, 1200), (6, 600)] {
            activities += "\(budi),2026-03-0\(day),Pelayanan perizinan,\(minutes)\n"
        }
        activities += "\(kepala),2026-03-02,Rapat pimpinan,9000\n".replacingOccurrences(of: "9000", with: "1440")
        #expect(try await daemon.ctl(["activity", "import", try write(activities, dir, "act.csv")]).status == 0)
        #expect(try await daemon.ctl(["tpp", "attendance", "import", try write("nip,tl2\n\(budi),1\n", dir, "att.csv"), "--month", "2026-03"]).status == 0)
        let computed = try jsonObject(try await daemon.ctl(["tpp", "compute", "--month", "2026-03", "-o", "json"]).stdout)
        #expect((computed["blocked"] as? NSNumber)?.intValue == 0)  // nobody waits for a monthly predikat
        let b = try jsonObject(try await daemon.ctl(["tpp", "show", budi, "--month", "2026-03", "-o", "json"]).stdout)
        #expect((b["kinerja"] as? NSNumber)?.int64Value == 1_920_000)
        #expect((b["disiplin"] as? NSNumber)?.int64Value == 1_560_000)
        #expect((b["gross"] as? NSNumber)?.int64Value == 3_480_000)
        #expect((b["tax"] as? NSNumber)?.int64Value == 174_000)
        #expect((b["net"] as? NSNumber)?.int64Value == 3_306_000)
        #expect((b["steps"] as? [String])?.contains("activity 5400 of 6750 minutes in 2026-03 → factor 80%") == true)
        // rina logged nothing: kinerja 0, disiplin 3,000,000 × 40 % = 1,200,000, tax 5 %.
        let r = try jsonObject(try await daemon.ctl(["tpp", "show", rina, "--month", "2026-03", "-o", "json"]).stdout)
        #expect((r["kinerja"] as? NSNumber)?.int64Value == 0 && (r["net"] as? NSNumber)?.int64Value == 1_140_000)

        // Perilaku: atasan 80, masyarakat 20: budi (80·3 + 20·2) / 100 = 2.8 → di_atas; rina 1 → di_bawah.
        let feedback =
            "nip,source,rating,rater\n\(budi),atasan,di_atas,\(kepala)\n\(budi),masyarakat,sesuai,survei-1\n\(budi),rekan,di_bawah,r1\n\(rina),masyarakat,di_bawah,survei-2\n"
        #expect(try await daemon.ctl(["feedback", "import", try write(feedback, dir, "fb.csv"), "--period", "2026"]).status == 0)
        let d = try await derive(daemon, "2026")
        #expect(d[budi]?["perilaku_kerja"] as? String == "di_atas")
        #expect(d[budi]?["explanation"] as? String == "atasan 3.00 (weight 80), masyarakat 2.00 (weight 20) → 2.80")
        #expect(d[rina]?["perilaku_kerja"] as? String == "di_bawah")
        #expect(d[kepala]?["not_derivable"] as? Bool == true)

        // The plugin's reminder rule, in WITA, next to the national ones.
        let rules = try jsonObject(try await daemon.ctl(["reminder", "list", "-o", "json"]).stdout)["rules"] as? [[String: Any]] ?? []
        let rule = rules.first { $0["name"] as? String == "kupang-kegiatan-harian" }
        #expect(rule?["cron"] as? String == "30 15 * * 1-5" && rule?["source"] as? String == "kupang")
        #expect(rule?["audience"] as? String == "staff_missing_activity_today")
        let next = try jsonObject(try await daemon.ctl(["reminder", "next", "--limit", "20", "-o", "json"]).stdout)
        let upcoming = (next["upcoming"] as? [[String: Any]] ?? []).first { $0["rule"] as? String == "kupang-kegiatan-harian" }
        #expect((upcoming?["fire_at"] as? String)?.hasSuffix("T15:30:00+08:00") == true)
        #expect(next["time_zone"] as? String == "Asia/Makassar")
        #expect(await daemon.stop() == 0)
    }
}
