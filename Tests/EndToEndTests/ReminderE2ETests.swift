import Foundation
import KinerjaFixtures
import Testing

/// Polls `condition` every 100 ms until it holds or `timeout` passes.
func eventually(_ timeout: TimeInterval = 30, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        await pause(0.1)
    }
    return try await condition()
}

func clockEnvironment(_ start: String, rate: Double = 1) -> [String: String] {
    ["KINERJA_CLOCK_START": start, "KINERJA_CLOCK_RATE": String(rate)]
}

func jsonArray(_ text: String) throws -> [[String: Any]] {
    guard let a = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
        throw DaemonFailure(message: "not a JSON array: \(text)")
    }
    return a
}

/// Each test runs its own daemon on its own clock, so they run side by side.
@Suite struct ReminderE2ETests {
    func history(_ daemon: Daemon, _ rule: String) async throws -> [[String: Any]] {
        try jsonArray(try await daemon.ctl(["reminder", "history", "--rule", rule, "-o", "json"]).stdout)
    }

    func outbox(_ daemon: Daemon, status: String = "", limit: Int = 1000) async throws -> (messages: [[String: Any]], counts: [String: Int]) {
        var args = ["outbox", "list", "-o", "json", "--limit", String(limit)]
        if !status.isEmpty { args += ["--status", status] }
        let o = try jsonObject(try await daemon.ctl(args).stdout)
        let counts = (o["counts"] as? [String: Any] ?? [:]).mapValues { ($0 as? NSNumber)?.intValue ?? 0 }
        return (o["messages"] as? [[String: Any]] ?? [], counts)
    }

    func importOrganisation(_ daemon: Daemon) async throws {
        let (_, dir) = try organisedDaemonFiles()
        #expect(try await daemon.ctl(["unit", "import", dir + "/units.csv"]).status == 0)
        #expect(try await daemon.ctl(["employee", "import", dir + "/employees.csv"]).status == 0)
    }

    @Test func firesOnScheduleThenCatchesUpOnceAfterDowntime() async throws {
        let state = try shortTemporaryDirectory("kr") + "/state"
        // The rules are set up at 06:00 WIB (however long that takes on a loaded machine), then the daemon restarts
        // just before 08:00 with 10 simulated seconds per real second.
        var daemon = try Daemon(stateDir: state, environment: clockEnvironment("2026-03-02T06:00:00+07:00"))
        try await daemon.waitReady()
        try await importOrganisation(daemon)
        let bad = try await daemon.ctl(["reminder", "add", "x", "--cron", "0 8 * * MON-XYZ", "--audience", "all_active_staff", "--template", "Halo"])
        #expect(bad.status == 1 && bad.stderr.contains("INVALID_ARGUMENT") && bad.stderr.contains("cron day-of-week"))
        #expect(
            try await daemon.ctl([
                "reminder", "add", "pagi", "--cron", "0 8 * * *", "--audience", "all_active_staff",
                "--template", "Selamat pagi {nama} ({nip}), {tanggal}.",
            ]).status == 0)
        #expect(
            try await daemon.ctl([
                "reminder", "add", "singkat", "--cron", "0 8 * * *", "--audience", "all_active_staff",
                "--template", "Halo {nama}", "--catch-up-hours", "1",
            ]).status == 0)
        let next = try jsonObject(try await daemon.ctl(["reminder", "next", "--limit", "3", "-o", "json"]).stdout)
        let upcoming = next["upcoming"] as? [[String: Any]] ?? []
        #expect(upcoming.first?["fire_at"] as? String == "2026-03-02T08:00:00+07:00")
        #expect((upcoming.first?["audience_size"] as? NSNumber)?.intValue == 3)
        #expect(await daemon.stop() == 0)
        daemon = try Daemon(stateDir: state, environment: clockEnvironment("2026-03-02T07:59:55+07:00", rate: 10))
        try await daemon.waitReady()
        #expect(try await eventually { try await history(daemon, "pagi").count == 1 ? try await history(daemon, "singkat").count == 1 : false })
        let first = try #require(try await history(daemon, "pagi").first)
        #expect(first["outcome"] as? String == "fired")
        #expect(first["occurrence"] as? String == "2026-03-02T01:00:00.000Z")
        #expect((first["recipients"] as? NSNumber)?.intValue == 3)
        #expect(try await eventually { try await outbox(daemon, status: "sent").messages.count == 6 })  // the log channel
        let bodies = try await outbox(daemon).messages.compactMap { $0["body"] as? String }
        #expect(bodies.contains("Selamat pagi Budi Santoso (\(budi)), 2 Maret 2026."))
        #expect(await daemon.stop() == 0)

        // Down until 12:00 three days later: 08:00 on the 3rd, 4th and 5th were missed. The 5th (4 h ago) fires
        // once for `pagi`; `singkat` (1 h window) skips all three.
        daemon = try Daemon(stateDir: state, environment: clockEnvironment("2026-03-05T12:00:00+07:00", rate: 10))
        try await daemon.waitReady()
        #expect(try await eventually { try await history(daemon, "pagi").count == 2 ? try await history(daemon, "singkat").count == 2 : false })
        let caught = try #require(try await history(daemon, "pagi").first)
        #expect(caught["outcome"] as? String == "fired")
        #expect(caught["occurrence"] as? String == "2026-03-05T01:00:00.000Z")
        #expect((caught["note"] as? String)?.contains("2 older occurrences skipped") == true)
        let skipped = try #require(try await history(daemon, "singkat").first)
        #expect(skipped["outcome"] as? String == "skipped")
        #expect((skipped["note"] as? String)?.contains("3 occurrences older than the 1 h catch-up window") == true)
        #expect(daemon.log.contains("reminder occurrences missed while down were skipped"))
        #expect(await daemon.stop() == 0)

        // Restarting at the same moment again fires nothing twice.
        daemon = try Daemon(stateDir: state, environment: clockEnvironment("2026-03-05T12:00:00+07:00", rate: 10))
        try await daemon.waitReady()
        await pause(1.5)
        #expect(try await history(daemon, "pagi").count == 2)
        #expect(try await outbox(daemon).counts.values.reduce(0, +) == 9)  // 3 + 3 (+ 3 caught up), singkat 3
        #expect(await daemon.stop() == 0)
    }

    @Test func killedInTheMiddleOfAFanOutRestartsWithExactlyOneRowPerRecipient() async throws {
        let base = try shortTemporaryDirectory("kk")
        let state = base + "/state"
        let sample = SampleAgency(unitCount: 50, employeeCount: 20_000)
        try sample.unitsCSV.write(to: URL(fileURLWithPath: base + "/units.csv"))
        try sample.employeesCSV.write(to: URL(fileURLWithPath: base + "/employees.csv"))
        // A webhook nobody listens on: rows stay in the outbox (failing) instead of flooding the log. The agency
        // and the rule are set up at 06:00; the daemon then restarts just before 08:00.
        let config = base + "/kinerjad.toml"
        try "[reminders.webhook]\nurl = \"http://127.0.0.1:9/hook\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        var daemon = try Daemon(stateDir: state, extraArguments: ["--config", config], environment: clockEnvironment("2026-03-02T06:00:00+07:00"))
        try await daemon.waitReady()
        #expect(try await daemon.ctl(["unit", "import", base + "/units.csv"]).status == 0)
        #expect(try await daemon.ctl(["employee", "import", base + "/employees.csv"]).status == 0)
        #expect(
            try await daemon.ctl([
                "reminder", "add", "massal", "--cron", "0 8 * * *", "--audience", "all_active_staff",
                "--template", "Yth. {nama}", "--channel", "webhook",
            ]).status == 0)
        #expect(await daemon.stop() == 0)
        daemon = try Daemon(stateDir: state, extraArguments: ["--config", config], environment: clockEnvironment("2026-03-02T07:59:59+07:00"))
        try await daemon.waitReady()
        #expect(await eventually(40) { daemon.log.contains("reminder fan-out started") })
        kill(daemon.pid, SIGKILL)
        _ = await daemon.child.waitAsync(timeout: 10)
        let committed = daemon.log.contains("reminder fired")

        daemon = try Daemon(stateDir: state, extraArguments: ["--config", config], environment: clockEnvironment("2026-03-02T08:00:30+07:00"))
        try await daemon.waitReady()
        #expect(try await eventually(60) { try await history(daemon, "massal").contains { $0["outcome"] as? String == "fired" } })
        await pause(0.5)
        let h = try await history(daemon, "massal")
        #expect(h.count == 1, "committed before the kill: \(committed); \(h)")
        #expect(h.first?["occurrence"] as? String == "2026-03-02T01:00:00.000Z")
        #expect((h.first?["messages"] as? NSNumber)?.intValue == 20_000)
        let total = try await outbox(daemon, limit: 1).counts.values.reduce(0, +)
        #expect(total == 20_000)
        #expect(await daemon.stop() == 0)
    }

    @Test func webhookRetriesTimesOutSignsAndDies() async throws {
        // Outbox 1: two 500s then 200. Outbox 2: too slow (timeouts) until retried by hand. Outbox 3: fine.
        let sink = try WebhookSink { key, attempt in
            switch key {
            case "1": return (attempt <= 2 ? 500 : 200, 0)
            case "2": return (200, attempt <= 3 ? 2.0 : 0)
            default: return (200, 0)
            }
        }
        defer { sink.stop() }
        let config = """
            [reminders]
            max_attempts = 3
            backoff_base_seconds = 1
            backoff_max_seconds = 2
            [reminders.webhook]
            url = "\(sink.url)"
            secret = "rahasia-dinas"
            timeout_ms = 400
            """
        let daemon = try await openDaemon(config: config)
        try await importOrganisation(daemon)
        #expect(
            try await daemon.ctl([
                "reminder", "add", "kabar", "--cron", "0 0 1 1 *", "--audience", "all_active_staff", "--channel", "webhook",
                "--template", "Yth. {nama}, mohon periksa SKP Anda.",
            ]).status == 0)
        let fired = try jsonObject(try await daemon.ctl(["reminder", "fire", "kabar", "-o", "json"]).stdout)
        #expect((fired["messages"] as? NSNumber)?.intValue == 3)
        #expect(
            try await eventually {
                let c = try await outbox(daemon).counts
                return c["sent"] == 2 && c["dead"] == 1
            })
        let messages = try await outbox(daemon).messages
        let byID = Dictionary(uniqueKeysWithValues: messages.map { (($0["id"] as? NSNumber)?.intValue ?? 0, $0) })
        #expect((byID[1]?["attempts"] as? NSNumber)?.intValue == 3 && byID[1]?["status"] as? String == "sent")
        #expect((byID[3]?["attempts"] as? NSNumber)?.intValue == 1)
        #expect(byID[2]?["status"] as? String == "dead")
        #expect(
            (byID[2]?["last_error"] as? String)?.lowercased().contains("deadline") == true
                || (byID[2]?["last_error"] as? String)?.lowercased().contains("timeout") == true,
            "\(byID[2]?["last_error"] ?? "")")
        // Every request is signed over its body and keyed by the outbox id.
        for r in sink.requests {
            #expect(r.headers["x-kinerja-signature"] == WebhookSink.signature(r.body, secret: "rahasia-dinas"))
            let body = try JSONSerialization.jsonObject(with: r.body) as? [String: Any]
            #expect(String((body?["id"] as? NSNumber)?.intValue ?? -1) == r.key)
            #expect((body?["message"] as? String)?.hasPrefix("Yth. ") == true)
        }
        #expect(sink.attempts(for: "1") == 3)
        // A dead message is retried by hand.
        #expect(try await daemon.ctl(["outbox", "retry", "--all-dead"]).stdout.contains("1 queued"))
        #expect(try await eventually { try await outbox(daemon).counts["sent"] == 3 })
        #expect(try await daemon.ctl(["outbox", "retry", "3"]).stderr.contains("FAILED_PRECONDITION"))
        #expect(try await daemon.ctl(["outbox", "retry"]).status == 2)
        #expect(await daemon.stop() == 0)
    }

    @Test func sendmailGetsAnRFC5322MessageAndFailuresRetry() async throws {
        let dir = try shortTemporaryDirectory("km")
        chmod(dir, 0o777)
        // Fails the first time (exit 75, like a busy MTA), then stores what it receives.
        let script = """
            #!/bin/sh
            for f in /proc/$$/fd/*; do readlink "$f"; done > "\(dir)/fds-$$"
            if [ ! -e "\(dir)/tried" ]; then touch "\(dir)/tried"; echo "temporary failure" >&2; exit 75; fi
            cat > "\(dir)/mail-$$.eml"
            """
        _ = try write(script, dir, "sendmail.sh")
        chmod(dir + "/sendmail.sh", 0o755)
        let daemon = try await openDaemon(
            config: """
                [reminders]
                backoff_base_seconds = 1
                backoff_max_seconds = 1
                [reminders.sendmail]
                command = "/bin/sh \(dir)/sendmail.sh -t -i"
                from = "kinerja@kominfo.go.id"
                """)
        try await importOrganisation(daemon)
        #expect(
            try await daemon.ctl([
                "reminder", "add", "surat", "--cron", "@yearly", "--audience", "all_active_staff", "--channel", "sendmail",
                "--channel", "log", "--template", "Yth. {nama}, laporan kegiatan {tanggal} belum diisi.",
            ]).status == 0)
        let fired = try jsonObject(try await daemon.ctl(["reminder", "fire", "surat", "-o", "json"]).stdout)
        #expect((fired["messages"] as? NSNumber)?.intValue == 4)  // mail only to the one with an address, log to all three
        #expect(try await eventually { try await outbox(daemon).counts["sent"] == 4 })
        let mail = try await outbox(daemon).messages.first { $0["channel"] as? String == "sendmail" }
        // The script refused once (exit 75) and the retry delivered. It runs through /bin/sh: exec of a script just
        // written can fail with ETXTBSY for as long as a process another test spawned meanwhile holds its write
        // descriptor (seen with the whole suite running), while /bin/sh only reads it.
        #expect(((mail?["attempts"] as? NSNumber)?.intValue ?? 0) >= 2)
        #expect(FileManager.default.fileExists(atPath: dir + "/tried"), "the first attempt reached the script and was refused")
        // The daemon's sockets (its listener, its clients' connections) and files stay in the daemon: sendmail gets its
        // standard streams and nothing more (SwiftNIO's sockets lack close-on-exec).
        let fdLists = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("fds-") }
        #expect(fdLists.count >= 2)
        for list in fdLists {
            let held = try String(contentsOfFile: dir + "/" + list, encoding: .utf8).split(separator: "\n")
            #expect(!held.contains { $0.hasPrefix("socket:") || $0.hasSuffix(".db") || $0.hasSuffix(".lock") }, "\(held)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".eml") }
        #expect(files.count == 1)
        let text = try String(contentsOfFile: dir + "/" + (try #require(files.first)), encoding: .utf8)
        #expect(text.contains("From: Kinerja <kinerja@kominfo.go.id>\r\n"))
        #expect(text.contains("To: \"Siti Aminah, S.Kom\" <siti@kominfo.go.id>\r\n"))
        #expect(text.contains("Subject: Informasi kinerja"))
        #expect(text.contains("Content-Type: text/plain; charset=utf-8\r\n"))
        #expect(text.contains("\r\n\r\nYth. Siti Aminah, S.Kom, laporan kegiatan"))
        #expect(await daemon.stop() == 0)
    }

    @Test func audiencesComeFromTheDatabaseAtFireTime() async throws {
        let daemon = try Daemon(environment: clockEnvironment("2026-03-09T10:00:00+07:00"))
        try await daemon.waitReady()
        try await importOrganisation(daemon)
        let (_, dir) = try organisedDaemonFiles()
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "monthly"]).status == 0)
        #expect(try await daemon.ctl(["period", "advance", "2026"]).status == 0)
        #expect(try await daemon.ctl(["period", "advance", "2026", "--force", "--reason", "uji"]).status == 0)
        for p in ["2026-02", "2026-03"] {
            #expect(try await daemon.ctl(["period", "advance", p, "--force", "--reason", "uji"]).status == 0)
            #expect(try await daemon.ctl(["period", "advance", p, "--force", "--reason", "uji"]).status == 0)
        }
        #expect(try await daemon.ctl(["skp", "import", try write(skpDocument(period: "2026"), dir, "skp.json")]).status == 0)
        for nip in [kepala, budi, rina] { #expect(try await daemon.ctl(["skp", "submit", nip, "--period", "2026"]).status == 0) }
        for nip in [kepala, budi] { #expect(try await daemon.ctl(["skp", "approve", nip, "--period", "2026"]).status == 0) }
        let realisasi =
            "nip,period,rhk_id,indicator_id,value,text,evidence,note\n\(budi),2026-02,R1,I1,1,,,\n\(budi),2026-02,R1,I2,,sesuai standar,,\n\(budi),2026-02,T1,I1,0,,,\n"
        #expect(try await daemon.ctl(["realisasi", "import", try write(realisasi, dir, "real.csv")]).status == 0)
        #expect(
            try await daemon.ctl(["activity", "import", try write("nip,date,description,minutes\n\(budi),2026-03-09,Rapat,60\n", dir, "act.csv")]).status == 0)
        let audiences = [
            "all_active_staff", "staff_without_approved_skp", "staff_missing_realisasi", "staff_missing_activity_today",
            "supervisors_with_pending_skp", "supervisors_with_unrated_subordinates",
        ]
        for a in audiences {
            #expect(
                try await daemon.ctl([
                    "reminder", "add", "r-" + a, "--cron", "0 7 1 1 *", "--audience", a, "--template",
                    "Yth. {nama}: {jumlah} untuk periode {periode}, batas {batas}.",
                ]).status == 0)
        }
        #expect(
            try await daemon.ctl(["reminder", "add", "tutup", "--cron", "0 7 1 1 *", "--audience", "all_active_staff", "--template", "x", "--state", "closed"])
                .status == 0)
        func sizes() async throws -> [String: Int] {
            let n = try jsonObject(try await daemon.ctl(["reminder", "next", "--limit", "200", "-o", "json"]).stdout)
            var out: [String: Int] = [:]
            for u in n["upcoming"] as? [[String: Any]] ?? [] { out[u["rule"] as! String] = (u["audience_size"] as? NSNumber)?.intValue }
            return out
        }
        var s = try await sizes()
        #expect(s["r-all_active_staff"] == 3)
        #expect(s["r-staff_without_approved_skp"] == 1)  // rina (submitted, not approved)
        #expect(s["r-staff_missing_realisasi"] == 2)  // kepala and rina for 2026-02 (deadline 10 March)
        #expect(s["r-staff_missing_activity_today"] == 2)  // budi logged 9 March
        #expect(s["r-supervisors_with_pending_skp"] == 1)  // budi, for rina
        #expect(s["r-supervisors_with_unrated_subordinates"] == 2)  // kepala (budi) and budi (rina) for 2026-02
        #expect(s["tutup"] == 0)
        let fired = try jsonObject(try await daemon.ctl(["reminder", "fire", "r-staff_missing_realisasi", "-o", "json"]).stdout)
        #expect(fired["period"] as? String == "2026-02")
        let bodies = try await outbox(daemon).messages.compactMap { $0["body"] as? String }
        #expect(bodies.contains("Yth. Rina Fanggidae: 1 untuk periode 2026-02, batas 10 Maret 2026."))
        // Escalation: four days past an earlier deadline, supervisors hear about those who still owe.
        #expect(try await daemon.ctl(["period", "set-deadline", "2026-02", "--deadline", "2026-03-05"]).status == 0)
        #expect(
            try await daemon.ctl([
                "reminder", "add", "eskalasi", "--cron", "0 7 1 1 *", "--audience", "staff_missing_realisasi",
                "--template", "Yth. {nama}, batas {batas} terlewat.", "--escalate-after", "3",
            ]).status == 0)
        let escalated = try jsonObject(try await daemon.ctl(["reminder", "fire", "eskalasi", "-o", "json"]).stdout)
        #expect((escalated["messages"] as? NSNumber)?.intValue == 3)  // kepala and rina, plus budi about rina
        #expect((escalated["note"] as? String)?.contains("1 escalations to supervisors (4 days past 2026-03-05)") == true)
        let escalation = try await outbox(daemon).messages.first { ($0["recipient"] as? String) == "eskalasi:\(budi):\(rina)" }
        #expect(escalation?["nip"] as? String == budi)
        #expect((escalation?["body"] as? String)?.contains("Rina Fanggidae (NIP \(rina)) belum menindaklanjuti") == true)
        let inactive = try jsonObject(try await daemon.ctl(["reminder", "fire", "tutup", "-o", "json"]).stdout)
        #expect((inactive["note"] as? String)?.contains("not fired: period 2026 is running, not closed") == true)
        // Fire time, not add time, decides: a rating removes budi's supervisor from the list.
        #expect(try await daemon.ctl(["rating", "set", budi, "--period", "2026-02", "--hasil-kerja", "sesuai", "--perilaku-kerja", "sesuai"]).status == 0)
        s = try await sizes()
        #expect(s["r-supervisors_with_unrated_subordinates"] == 1)
        // Built-in rules are listed, can be switched off, and an admin cannot remove what is not there.
        #expect(try await daemon.ctl(["reminder", "remove", "realisasi-bulanan"]).stdout.contains("switched off"))
        let listed = try jsonObject(try await daemon.ctl(["reminder", "list", "-o", "json"]).stdout)["rules"] as? [[String: Any]] ?? []
        #expect(listed.contains { $0["name"] as? String == "realisasi-bulanan" && $0["removed"] as? Bool == true })
        #expect(try await daemon.ctl(["reminder", "remove", "nope"]).stderr.contains("NOT_FOUND"))
        #expect(await daemon.stop() == 0)
    }
}
