import Foundation
import Testing

@Suite(.serialized) struct PeriodE2ETests {
    @Test func lifecycleDeadlinesInWITAAndWITAndClosedImmutability() throws {
        let daemon = try Daemon()
        try daemon.waitReady()
        #expect(try daemon.ctl(["agency", "set", "--zone", "Asia/Makassar"]).status == 0)
        let created = try daemon.ctl(["period", "create", "2025", "--periodic", "monthly", "-o", "json"])
        #expect(created.status == 0, "\(created.stderr)")
        let periods = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [[String: Any]])
        #expect(periods.count == 13)
        let march = try jsonObject(try daemon.ctl(["period", "show", "2025-03", "-o", "json"]).stdout)
        let deadline = try #require(march["deadline"] as? [String: Any])
        #expect(deadline["date"] as? String == "2025-04-10")
        // 23:59:59 WITA (UTC+8) is 15:59:59 UTC.
        #expect(deadline["until_utc"] as? String == "2025-04-10T15:59:59.000Z")
        #expect(deadline["local"] as? String == "2025-04-10 23:59 WITA")
        let annual = try jsonObject(try daemon.ctl(["period", "show", "2025", "-o", "json"]).stdout)
        #expect((annual["skp_deadline"] as? [String: Any])?["date"] as? String == "2025-01-31")
        #expect((annual["deadline"] as? [String: Any])?["date"] as? String == "2026-01-10")
        #expect((annual["children"] as? [String])?.count == 12)
        // WIT: UTC+9.
        #expect(try daemon.ctl(["agency", "set", "--zone", "Asia/Jayapura"]).status == 0)
        let wit = try jsonObject(try daemon.ctl(["period", "show", "2025-03", "-o", "json"]).stdout)
        #expect((wit["deadline"] as? [String: Any])?["until_utc"] as? String == "2025-04-10T14:59:59.000Z")
        // Override, refused when nonsense.
        #expect(try daemon.ctl(["period", "set-deadline", "2025-03", "--deadline", "2025-04-15"]).status == 0)
        #expect((try jsonObject(try daemon.ctl(["period", "show", "2025-03", "-o", "json"]).stdout)["deadline"] as? [String: Any])?["date"] as? String == "2025-04-15")
        #expect(try daemon.ctl(["period", "set-deadline", "2025-03", "--deadline", "2025-02-30"]).stderr.contains("INVALID_ARGUMENT"))
        #expect(try daemon.ctl(["period", "set-deadline", "2025-03", "--skp-deadline", "2025-01-20"]).stderr.contains("only an annual period"))

        // Child ahead of parent: refused with the reason.
        let ahead = try daemon.ctl(["period", "advance", "2025-03"])
        #expect(ahead.status == 1)
        #expect(ahead.stderr.contains("FAILED_PRECONDITION") && ahead.stderr.contains("ahead of its annual period 2025"))
        // The annual period walks its states (no employees: SKP precondition holds; 2025 has ended).
        for expected in ["planning", "running", "assessment"] {
            let r = try jsonObject(try daemon.ctl(["period", "advance", "2025", "-o", "json"]).stdout)
            #expect(r["state"] as? String == expected)
        }
        // Closing the annual period needs its children closed.
        let early = try daemon.ctl(["period", "advance", "2025"])
        #expect(early.status == 1)
        #expect(early.stderr.contains("12 periodic periods of 2025 are not closed yet"), "\(early.stderr)")
        #expect(early.stderr.contains("open_periodic: 12"))
        // --force needs a reason; with one it passes and is audited.
        #expect(try daemon.ctl(["period", "advance", "2025", "--force"]).status == 2)
        #expect(try daemon.ctl(["period", "advance", "2025", "--force", "--reason", "uji coba penutupan"]).status == 0)
        let audit = try JSONSerialization.jsonObject(with: Data(try daemon.ctl(["audit", "list", "-o", "json"]).stdout.utf8)) as? [[String: Any]]
        #expect(audit?.first?["summary"] as? String == "assessment → closed (forced: uji coba penutupan)")
        // Closed: writes touching it are refused, naming the period; advancing further too.
        let locked = try daemon.ctl(["period", "set-deadline", "2025", "--deadline", "2026-01-20"])
        #expect(locked.status == 1)
        #expect(locked.stderr.contains("FAILED_PRECONDITION: period 2025 is closed"))
        #expect(try daemon.ctl(["period", "advance", "2025", "--force", "--reason", "x"]).stderr.contains("reopen"))
        // Reopen needs a reason; goes back to assessment.
        #expect(try daemon.ctl(["period", "reopen", "2025"]).status == 2)
        let reopened = try jsonObject(try daemon.ctl(["period", "reopen", "2025", "--reason", "koreksi nilai", "-o", "json"]).stdout)
        #expect(reopened["state"] as? String == "assessment")
        #expect(try daemon.ctl(["period", "reopen", "2025", "--reason", "again"]).stderr.contains("not closed"))
        // Creating twice, or a periodic id, is refused.
        #expect(try daemon.ctl(["period", "create", "2025"]).stderr.contains("already exists"))
        #expect(try daemon.ctl(["period", "create", "2025-05"]).stderr.contains("INVALID_ARGUMENT"))
        #expect(try daemon.ctl(["period", "create", "2027", "--periodic", "weekly"]).stderr.contains("INVALID_ARGUMENT"))
        #expect(try daemon.ctl(["period", "show", "2031"]).stderr.contains("NOT_FOUND"))
        #expect(daemon.stop() == 0)
    }

    @Test func aPluginMayRefuseAPeriodLayout() throws {
        let (daemon, _, _) = try pluginDaemon("load = [\"testc\"]\n")
        #expect(try daemon.ctl(["agency", "set", "--plugin", "testc"]).status == 0)
        let refused = try daemon.ctl(["period", "create", "2026", "--periodic", "monthly"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refused by testc: testc runs annual appraisal only (got monthly)"), "\(refused.stderr)")
        #expect(try daemon.ctl(["period", "list", "-o", "json"]).stdout.contains("2026") == false)
        #expect(try daemon.ctl(["period", "create", "2026", "--periodic", "none"]).status == 0)
        #expect(daemon.stop() == 0)
    }
}
