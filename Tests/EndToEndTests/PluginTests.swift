import Foundation
import KinerjaFixtures
import Testing

/// A plugin folder with copies of the plugins the package builds (mode 0644, folder 0755).
func pluginDirectory(_ files: [String: String] = [:]) throws -> String {
    let dir = try shortTemporaryDirectory("kpl") + "/plugins"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    chmod((dir as NSString).deletingLastPathComponent, 0o755)
    chmod(dir, 0o755)
    let defaults = [
        "libkinerja-plugin-testswift.so": "libkinerja-plugin-testswift.so", "libkinerja-plugin-testc.so": "libkinerja-plugin-testc.so",
        "libkinerja-plugin-badabi.so": "libkinerja-plugin-badabi.so", "libkinerja-plugin-noentry.so": "libkinerja-plugin-noentry.so",
    ]
    for (target, source) in defaults.merging(files, uniquingKeysWith: { $1 }) {
        try FileManager.default.copyItem(atPath: Binaries.directory + "/" + source, toPath: dir + "/" + target)
        chmod(dir + "/" + target, 0o644)
    }
    return dir
}

func pluginDaemon(_ config: String, dir: String? = nil) async throws -> (Daemon, String, String) {
    let plugins = try dir ?? pluginDirectory()
    let configPath = (plugins as NSString).deletingLastPathComponent + "/kinerjad.toml"
    try "[plugins]\ndir = \"\(plugins)\"\n\(config)".write(toFile: configPath, atomically: true, encoding: .utf8)
    let daemon = try Daemon(extraArguments: ["--config", configPath])
    try await daemon.waitReady()
    return (daemon, plugins, configPath)
}

func pluginList(_ daemon: Daemon) async throws -> [[String: Any]] {
    let r = try await daemon.ctl(["plugin", "list", "-o", "json"])
    return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
}

@Suite(.serialized) struct PluginTests {
    @Test func swiftAndCPluginsLoadAndAnswerEveryHookThroughTheDaemon() async throws {
        let (daemon, _, _) = try await pluginDaemon(
            "load = [\"testswift\", \"libkinerja-plugin-testc.so\"]\n[plugins.config.testswift]\ngreeting = \"selamat\"\n")
        let list = try await pluginList(daemon)
        let swift = try #require(list.first { $0["id"] as? String == "testswift" })
        #expect(swift["status"] as? String == "loaded")
        #expect(swift["version"] as? String == "1.2.3")
        #expect((swift["abi_version"] as? NSNumber)?.intValue == 1)
        #expect((swift["hooks"] as? [String]) == ["DeriveRatings", "ComputeIncentive", "ReminderCalendar", "ValidatePeriod", "Report"])
        let c = try #require(list.first { $0["id"] as? String == "testc" })
        #expect(c["status"] as? String == "loaded")
        #expect((c["hooks"] as? [String]) == ["ValidatePeriod", "Report"])
        // The descriptor's appended `language`: the Swift kit says "swift"; testc's descriptor is the first v1 size
        // (no such field) and still loads, saying nothing.
        #expect(swift["language"] as? String == "swift")
        #expect((c["language"] as? String ?? "") == "")
        #expect(daemon.log.contains("testswift initialised (greeting selamat"))  // host log table works
        #expect(daemon.log.contains("testc initialised in mode normal"))

        func call(_ id: String, _ method: String, _ json: String) async throws -> [String: Any] {
            let r = try await daemon.ctl(["plugin", "call", id, method, "--json", json, "-o", "json"])
            #expect(r.status == 0, "\(id) \(method): \(r.stderr)")
            return try jsonObject(r.stdout)
        }
        // DeriveRatings (Swift): mean of feedback 3,3,2 → 2.67 → di_atas; no feedback → not derivable.
        let derived = try await call(
            "testswift", "DeriveRatings",
            """
            {"subjects":[{"nip":"198503152010011001","feedback":[{"source":"atasan","rating":"di_atas"},{"source":"rekan","rating":"di_atas"},{"source":"masyarakat","rating":"sesuai"}]},{"nip":"199006062021212006"}]}
            """)
        #expect(derived["handled_by"] as? String == "testswift")
        let results = try #require((derived["response"] as? [String: Any])?["results"] as? [[String: Any]])
        #expect(results[0]["perilaku_kerja"] as? String == "di_atas")
        #expect(results[1]["not_derivable"] as? Bool == true)
        // ComputeIncentive (Swift, 70/30 shares): base 5,000,000 baik III/b, no attendance events.
        let tpp = try await call(
            "testswift", "ComputeIncentive", #"{"inputs":[{"nip":"1","base_rupiah":"5000000","predikat":"baik","golongan":"III/b","kind":"PNS"}]}"#)
        let t = try #require(((tpp["response"] as? [String: Any])?["results"] as? [[String: Any]])?.first)
        #expect(t["kinerja"] as? String == "3500000")
        #expect(t["disiplin"] as? String == "1500000")
        #expect(t["net"] as? String == "4750000")
        // ReminderCalendar (Swift).
        let cal = try await call("testswift", "ReminderCalendar", "{}")
        #expect(((cal["response"] as? [String: Any])?["rules"] as? [[String: Any]])?.first?["cron"] as? String == "0 9 * * 1-5")
        // ValidatePeriod in Swift and in C.
        let vs = try await call("testswift", "ValidatePeriod", #"{"id":"2026","periodic":"monthly"}"#)
        #expect((vs["response"] as? [String: Any])?["reason"] as? String == "testswift runs quarterly appraisal only")
        let vc = try await call("testc", "ValidatePeriod", #"{"id":"2026","periodic":"quarterly"}"#)
        #expect(vc["handled_by"] as? String == "testc")
        #expect((vc["response"] as? [String: Any])?["reason"] as? String == "testc runs annual appraisal only (got quarterly)")
        let ok = try await call("testc", "ValidatePeriod", #"{"id":"2026","periodic":"none"}"#)
        #expect((ok["response"] as? [String: Any])?["ok"] as? Bool == true)
        // National fallback: the C plugin has no ComputeIncentive; the worked example of the default policy.
        let national = try await call(
            "testc", "ComputeIncentive",
            #"{"inputs":[{"nip":"1","base_rupiah":"5000000","predikat":"baik","predikat_period":"2026-03","attendance":{"tl1":2,"psw2":1,"tk":1},"golongan":"III/b","kind":"PNS"}]}"#
        )
        #expect(national["handled_by"] as? String == "national")
        let n = try #require(((national["response"] as? [String: Any])?["results"] as? [[String: Any]])?.first)
        #expect(n["net"] as? String == "4465000")
        #expect((n["steps"] as? [String])?.contains("deduction TL1 × 2 at 0.5% = 1% of base") == true)
        let fallbackDerive = try await call("testc", "DeriveRatings", #"{"subjects":[{"nip":"1"}]}"#)
        #expect(fallbackDerive["handled_by"] as? String == "national")

        // Reports through `plugin report`, from both plugins, in every format.
        let (_, dir) = try organisedDaemonFiles()
        #expect(try await daemon.ctl(["unit", "import", dir + "/units.csv"]).status == 0)
        #expect(try await daemon.ctl(["employee", "import", dir + "/employees.csv"]).status == 0)
        let swiftReport = try jsonObject(try await daemon.ctl(["plugin", "report", "testswift", "staff_count", "-o", "json"]).stdout)
        #expect(swiftReport["title"] as? String == "Staff per unit (selamat)")
        #expect((swiftReport["rows"] as? [[String: String]])?.count == 3)
        let cReport = try await daemon.ctl(["plugin", "report", "testc", "hello", "-o", "csv"])
        #expect(cReport.status == 0, "\(cReport.stderr)")
        #expect(cReport.stdout.hasPrefix("nip,greeting\n"))
        #expect(cReport.stdout.contains("\(budi),Halo Budi Santoso"))
        let table = try await daemon.ctl(["plugin", "report", "testc", "hello"])
        #expect(table.stdout.contains("GREETING"))
        let unknown = try await daemon.ctl(["plugin", "report", "testc", "nope"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("NOT_FOUND") && unknown.stderr.contains("hello"))
        let show = try jsonObject(try await daemon.ctl(["plugin", "show", "testc", "-o", "json"]).stdout)
        #expect((show["reports"] as? [[String: Any]])?.first?["name"] as? String == "hello")
        #expect(await daemon.stop() == 0)
    }

    @Test func refusalsNameTheFileAndTheReason() async throws {
        let dir = try pluginDirectory(["libdup.so": "libkinerja-plugin-testc.so", "libloose.so": "libkinerja-plugin-testswift.so"])
        chmod(dir + "/libloose.so", 0o666)
        let (daemon, plugins, _) = try await pluginDaemon(
            "load = [\"testc\", \"noentry\", \"badabi\", \"dup\", \"loose\", \"nothere\", \"../evil\"]\n", dir: dir)
        let list = try await pluginList(daemon)
        func error(_ fragment: String) -> String? {
            list.compactMap { $0["error"] as? String }.first { $0.contains(fragment) }
        }
        #expect(error("libkinerja-plugin-noentry.so refused: no entry symbol kinerja_plugin_v1") != nil, "\(list)")
        #expect(error("libkinerja-plugin-badabi.so refused: ABI version mismatch: expected 1, found 2") != nil)
        #expect(error("\(plugins)/libdup.so refused: duplicate id 'testc', already loaded from \(plugins)/libkinerja-plugin-testc.so") != nil)
        #expect(error("libloose.so is writable by group or others") != nil)
        #expect(error("plugin 'nothere': no file") != nil)
        #expect(error("not a path") != nil)
        #expect(list.filter { $0["status"] as? String == "loaded" }.count == 1)
        // The daemon serves regardless.
        #expect(try await daemon.ctl(["status"]).status == 0)
        #expect(await daemon.stop() == 0)

        // The development switch admits the loose file, with a warning in the log.
        let (relaxed, _, _) = try await pluginDaemon("load = [\"loose\"]\nallow_insecure_permissions = true\n", dir: dir)
        #expect(try await pluginList(relaxed).first?["status"] as? String == "loaded")
        #expect(relaxed.log.contains("plugin permissions not enforced"))
        #expect(await relaxed.stop() == 0)
    }

    @Test func errorGarbageAndDeadlineNeverTakeTheDaemonDown() async throws {
        let (daemon, plugins, _) = try await pluginDaemon(
            """
            load = ["testswift", "testc"]
            call_timeout_ms = 500
            [plugins.config.testswift]
            mode = "error"
            [plugins.config.testc]
            mode = "slow"

            """)
        let failed = try await daemon.ctl(["plugin", "call", "testswift", "ValidatePeriod", "--json", #"{"periodic":"none"}"#])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("FAILED_PRECONDITION: plugin testswift: testswift refuses: mode=error"), "\(failed.stderr)")
        let slow = try await daemon.ctl(["plugin", "call", "testc", "ValidatePeriod", "--json", #"{"periodic":"none"}"#])
        #expect(slow.status == 1)
        #expect(slow.stderr.contains("DEADLINE_EXCEEDED"), "\(slow.stderr)")
        #expect(slow.stderr.contains("testc"))
        let badJSON = try await daemon.ctl(["plugin", "call", "testc", "ValidatePeriod", "--json", #"{"nonsense": 1}"#])
        #expect(badJSON.stderr.contains("INVALID_ARGUMENT"))
        let badMethod = try await daemon.ctl(["plugin", "call", "testc", "Frobnicate"])
        #expect(badMethod.stderr.contains("INVALID_ARGUMENT") && badMethod.stderr.contains("unknown hook"))
        #expect(try await daemon.ctl(["status"]).status == 0)
        #expect(await daemon.stop() == 0)

        let (garbage, _, _) = try await pluginDaemon("load = [\"testc\"]\n[plugins.config.testc]\nmode = \"garbage\"\n", dir: plugins)
        let g = try await garbage.ctl(["plugin", "call", "testc", "ValidatePeriod", "--json", #"{"periodic":"none"}"#])
        #expect(g.status == 1)
        #expect(g.stderr.contains("INTERNAL"), "\(g.stderr)")
        #expect(g.stderr.contains("plugin testc returned an unreadable ValidatePeriod response"))
        #expect(try await garbage.ctl(["status"]).status == 0)
        #expect(await garbage.stop() == 0)
    }

    @Test func reloadLoadsNewPluginsAndDisablesRemovedOnes() async throws {
        let (daemon, plugins, config) = try await pluginDaemon("load = [\"testswift\"]\n")
        #expect(try await pluginList(daemon).map { $0["id"] as? String } == ["testswift"])
        try "[plugins]\ndir = \"\(plugins)\"\nload = [\"testc\"]\n".write(toFile: config, atomically: true, encoding: .utf8)
        kill(daemon.pid, SIGHUP)
        var list: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(20)
        repeat {
            await pause(0.05)
            list = try await pluginList(daemon)
        } while list.first(where: { $0["id"] as? String == "testc" }) == nil && Date() < deadline
        #expect(list.first { $0["id"] as? String == "testc" }?["status"] as? String == "loaded")
        #expect(list.first { $0["id"] as? String == "testswift" }?["status"] as? String == "disabled")
        // A disabled plugin no longer answers; the national rules do not stand in for a named plugin.
        let disabled = try await daemon.ctl(["plugin", "call", "testswift", "ValidatePeriod"])
        #expect(disabled.status == 1)
        #expect(disabled.stderr.contains("not loaded"))
        // Back in the configuration: enabled again without loading it twice.
        try "[plugins]\ndir = \"\(plugins)\"\nload = [\"testc\", \"testswift\"]\n".write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try await daemon.ctl(["reload"]).status == 0)
        #expect(try await pluginList(daemon).filter { $0["status"] as? String == "loaded" }.count == 2)
        #expect(await daemon.stop() == 0)
    }

}

/// The organisation CSV files of `organisedDaemon`, without a daemon.
func organisedDaemonFiles() throws -> (Void, String) {
    let dir = try shortTemporaryDirectory("kf")
    try ThreePersonAgency.unitsCSV.write(toFile: dir + "/units.csv", atomically: true, encoding: .utf8)
    try ThreePersonAgency.employeesCSV.write(toFile: dir + "/employees.csv", atomically: true, encoding: .utf8)
    return ((), dir)
}
