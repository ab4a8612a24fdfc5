import Foundation
import KinerjaAPI
import KinerjaCore
import Mustache
import Synchronization
import Testing

@testable import KinerjaPortal

@Suite struct PortalPartsTests {
    @Test func formsDecodePlusesPercentsRepeatsAndMissingValues() {
        let f = Form("nip=1985&uraian=Rapat+evaluasi+%26+tindak+lanjut&bukti=a&bukti=b&kosong=&tanpa")
        #expect(f["nip"] == "1985")
        #expect(f["uraian"] == "Rapat evaluasi & tindak lanjut")
        #expect(f.all("bukti") == ["a", "b"])
        #expect(f["kosong"] == "" && f["tanpa"] == "" && f["tidak-ada"] == "")
        #expect(Form("x=%ZZ")["x"] == "", "a broken escape is no value, not a crash")
    }

    @Test func listenAddressesParseOrSayWhy() throws {
        #expect(try PortalOptions.Listen(parsing: "127.0.0.1:8080") == .tcp(host: "127.0.0.1", port: 8080))
        #expect(try PortalOptions.Listen(parsing: "[::1]:9000") == .tcp(host: "::1", port: 9000))
        #expect(try PortalOptions.Listen(parsing: "unix:/run/kinerja/portal.sock") == .unix(path: "/run/kinerja/portal.sock"))
        for bad in ["8080", "localhost:0", "localhost:70000", ":80", "unix:relative.sock", "host:port"] {
            #expect(throws: PortalOptionError.self, "\(bad)") { try PortalOptions.Listen(parsing: bad) }
        }
    }

    @Test func sessionsEndWhenIdleOrTooOldAndTheOldestGoFirstWhenFull() {
        let clock = Mutex(ContinuousClock.now)
        let store = SessionStore(idle: .seconds(1800), absolute: .seconds(12 * 3600), limit: 16, now: { clock.withLock { $0 } })
        let s = store.create(user: .init(nip: "198503152010011001", name: "Budi", subordinates: 1, headsUnits: []))
        #expect(s.id.count == 22 && s.csrf.count == 22 && s.id != s.csrf, "128 random bits each, base64url")
        clock.withLock { $0 += .seconds(1799) }
        #expect(store.find(s.id) != nil, "used within the idle time: still there (and touched)")
        for _ in 0..<24 {
            clock.withLock { $0 += .seconds(1700) }
            #expect(store.find(s.id) != nil)
        }
        clock.withLock { $0 += .seconds(1700) }
        #expect(store.find(s.id) == nil, "12 hours after sign-in it ends, however busy")
        let t = store.create()
        clock.withLock { $0 += .seconds(1800) }
        #expect(store.find(t.id) == nil, "30 minutes idle ends it")
        let sessions = (0..<40).map { _ in store.create() }
        #expect(store.count <= 16)
        #expect(store.find(sessions.last!.id) != nil)
        store.destroy(sessions.last!.id)
        #expect(store.find(sessions.last!.id) == nil)
    }

    @Test func csrfTokensCompareWholeAndNeverEmpty() {
        #expect(Portal.constantTimeEqual("abc", "abc"))
        #expect(!Portal.constantTimeEqual("abc", "abd"))
        #expect(!Portal.constantTimeEqual("abc", "ab"))
        #expect(!Portal.constantTimeEqual("", ""), "a missing token never matches a missing session token")
    }

    @Test func emptyTextIsNothingEverywhereSoSectionsMeanHasTextAndRowsKeepTheirOwnFields() async throws {
        let data = Portal.withoutEmptyText(["a": "", "b": "x", "n": 0, "rows": [["c": "", "d": "y"]], "list": ["", "z"], "text": "parent"])
        #expect(data["a"] is NoText && data["b"] as? String == "x" && data["n"] as? Int == 0)
        #expect((data["rows"] as? [[String: Any]])?.first?["c"] is NoText)
        #expect(data["list"] as? [String] == ["z"])
        // A row's empty field renders empty, not as the parent's field of the same name; a section on it is false.
        let r = try await RenderingTests.renderer()
        var library = r.library
        try library.register("{{#rows}}[{{text}}|{{#text}}yes{{/text}}{{^text}}no{{/text}}]{{/rows}}", named: "probe")
        let probe = Portal.withoutEmptyText(["text": "parent", "rows": [["text": ""], ["text": "own"]]])
        #expect(library.render(probe, withTemplate: "probe") == "[|no][own|yes]")
    }

    @Test func datesPeriodsMoneyAndDurationsReadAsIndonesiansWriteThem() throws {
        #expect(Display.date("2026-04-10") == "10 April 2026")
        #expect(Display.period("2026-03") == "Maret 2026" && Display.period("2026-Q2") == "Triwulan II 2026" && Display.period("2026") == "2026")
        #expect(Display.rupiah(4_465_000) == "Rp 4.465.000" && Display.rupiah(0) == "Rp 0")
        #expect(Display.daysBetween("2026-04-05", "2026-04-10") == 5 && Display.daysBetween("2026-12-31", "2027-01-01") == 1)
        #expect(Portal.duration(90) == "1 jam 30 menit" && Portal.duration(45) == "45 menit" && Portal.duration(120) == "2 jam")
        #expect(Portal.minutes(hours: "1", minutes: "30") == 90)
        #expect(Portal.minutes(hours: "24", minutes: "1") == nil && Portal.minutes(hours: "", minutes: "0") == nil)
        #expect(Portal.minutes(hours: "x", minutes: "10") == nil && Portal.minutes(hours: "", minutes: "99999") == nil)
        let friday = try #require(CivilDate(iso: "2026-04-03"))
        #expect(friday.week.map(\.description) == (30...31).map { "2026-03-\($0)" } + (1...5).map { "2026-04-0\($0)" })
        #expect(friday.monthDays.count == 30)
        #expect(Portal.links("https://a.example/1\r\nhttps://b.example/2  \n\n") == ["https://a.example/1", "https://b.example/2"])
    }

    @Test func theChartHasABarPerPeriodScaledByPredikatAndNoneWhenUnrated() {
        let bars = Display.ratingBars([(id: "2026-01", predikat: "sangat_baik"), (id: "2026-02", predikat: ""), (id: "2026-03", predikat: "kurang")])
        #expect(bars.map { $0["label"] as? String } == ["Jan", "Feb", "Mar"])
        #expect(bars.map { $0["height"] as? Int } == [150, 0, 60])
        #expect(bars.map { $0["rated"] as? Bool } == [true, false, true])
        #expect(bars.map { ($0["y"] as? Int ?? 0) + ($0["height"] as? Int ?? 0) } == [160, 160, 160], "bars stand on the axis")
    }
}

@Suite struct PortalConfigFileTests {
    @Test func theFileSetsEveryOptionAndRefusesWhatItDoesNotKnowWithItsLine() throws {
        let o = try PortalConfigFile.apply(
            text: """
                listen = "unix:/run/kinerja-portal/http.sock"
                socket = "/run/kinerja/gateway.sock"
                secure_cookies = true
                trusted_proxies = ["127.0.0.1", "::1"]
                idle_minutes = 15
                absolute_hours = 8
                resources = "/usr/share/kinerja/portal"
                """, file: "kinerja-portal.toml", to: PortalOptions())
        #expect(o.listen == .unix(path: "/run/kinerja-portal/http.sock"))
        #expect(o.secureCookies && o.trustedProxies == ["127.0.0.1", "::1"])
        #expect(o.idleTimeout == .seconds(900) && o.absoluteTimeout == .seconds(8 * 3600))
        #expect(o.resourcesDirectory == "/usr/share/kinerja/portal")
        for (text, why) in [
            ("\n\nport = 8080", "kinerja-portal.toml:3: port: unknown setting"), ("idle_minutes = 0", ":1: idle_minutes: expected an integer"),
            ("secure_cookies = \"yes\"", "secure_cookies: expected true or false"), ("socket = \"relative.sock\"", "socket: expected an absolute path"),
            ("listen = \"8080\"", "listen: --listen takes"), ("listen = ", "kinerja-portal.toml:1:"),
        ] {
            do {
                _ = try PortalConfigFile.apply(text: text, file: "kinerja-portal.toml", to: PortalOptions())
                Issue.record("\(text) was taken")
            } catch {
                #expect("\(error)".contains(why), "\(text): \(error)")
            }
        }
    }
}

@Suite struct SKPEditorTests {
    @Test func theFormBecomesOneSKPEmptyRowsLeftOutNewOnesNumberedAfterTheOldOnes() throws {
        let form = Form(
            [
                "rhk0_id=R1", "rhk0_kind=utama", "rhk0_text=Tersusunnya+laporan", "rhk0_intervensi=K1",
                "rhk0_ind0_id=I1", "rhk0_ind0_aspect=kuantitas", "rhk0_ind0_text=Jumlah+laporan", "rhk0_ind0_target=12", "rhk0_ind0_unit=laporan",
                "rhk0_ind1_id=", "rhk0_ind1_aspect=kualitas", "rhk0_ind1_text=Mutu", "rhk0_ind1_target=sesuai+standar", "rhk0_ind1_unit=",
                "rhk0_ind2_id=", "rhk0_ind2_aspect=waktu", "rhk0_ind2_text=", "rhk0_ind2_target=", "rhk0_ind2_unit=",
                "rhk1_id=", "rhk1_kind=tambahan", "rhk1_text=Narasumber", "rhk1_intervensi=",
                "rhk1_ind0_id=", "rhk1_ind0_aspect=waktu", "rhk1_ind0_text=Hari", "rhk1_ind0_target=99%2C5", "rhk1_ind0_unit=%25",
                "rhk2_id=", "rhk2_kind=utama", "rhk2_text=", "rhk2_intervensi=",
                "dukungan=Laptop%0D%0A%0D%0AAkses+internet", "skema=", "konsekuensi=Teguran", "perilaku_akuntabel=Tepat+waktu", "perilaku_loyal=",
            ].joined(separator: "&"))
        let doc = Portal.skpDocument(form, nip: "198503152010011001")
        let rhk = try #require(doc["rhk"] as? [[String: Any]])
        #expect(rhk.map { $0["id"] as? String } == ["R1", "T1"], "the empty RHK is left out; a new tambahan is T1")
        #expect(rhk[0]["intervensi"] as? String == "K1" && rhk[1]["intervensi"] == nil)
        let i0 = try #require(rhk[0]["indicators"] as? [[String: Any]])
        #expect(i0.map { $0["id"] as? String } == ["I1", "I2"])
        #expect(i0[0]["target"] as? Double == 12 && i0[0]["unit"] as? String == "laporan")
        #expect(i0[1]["target_text"] as? String == "sesuai standar" && i0[1]["target"] == nil)
        let i1 = try #require(rhk[1]["indicators"] as? [[String: Any]])
        #expect(i1[0]["target"] as? Double == 99.5 && i1[0]["unit"] as? String == "%")
        let lampiran = try #require(doc["lampiran"] as? [String: [String]])
        #expect(lampiran["dukungan_sumber_daya"] == ["Laptop", "Akses internet"] && lampiran["skema_pertanggungjawaban"] == [])
        #expect(doc["perilaku"] as? [String: String] == ["akuntabel": "Tepat waktu"])
        // And back, as the form shows a refused draft again.
        let again = Portal.skpMessage(doc, year: "2026")
        #expect(again.rhk.map(\.id) == ["R1", "T1"] && again.rhk[0].indicators[0].hasTarget_p && again.rhk[0].indicators[1].targetText == "sesuai standar")
        #expect(try JSONSerialization.data(withJSONObject: doc).count > 0)
    }
}
