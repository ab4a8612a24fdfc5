import Foundation
import Testing

@testable import KinerjaCore

/// Parses an RFC 3339 instant.
func instant(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

func utc(_ d: Date?) -> String {
    guard let d else { return "nil" }
    return d.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
}

@Suite struct CronTests {
    let jakarta = TimeZone(identifier: "Asia/Jakarta")!
    let newYork = TimeZone(identifier: "America/New_York")!

    func next(_ cron: String, _ after: String, _ zone: TimeZone? = nil) throws -> String {
        utc(try CronExpression(cron).next(after: instant(after), in: zone ?? jakarta))
    }

    @Test(arguments: [
        // Steps, ranges with steps, lists.
        ("*/15 * * * *", "2026-03-02T10:07:00+07:00", "2026-03-02T03:15:00Z"),
        ("1-10/2 * * * *", "2026-03-02T10:09:00+07:00", "2026-03-02T04:01:00Z"),
        ("5/20 * * * *", "2026-03-02T10:30:00+07:00", "2026-03-02T03:45:00Z"),
        ("0 8,17 * * *", "2026-03-02T08:00:00+07:00", "2026-03-02T10:00:00Z"),
        // The day-of-month / day-of-week OR rule: the 5th or any Monday (2026-03-01 is a Sunday).
        ("0 0 5 * 1", "2026-03-01T00:00:00+07:00", "2026-03-01T17:00:00Z"),
        ("0 0 5 * 1", "2026-03-02T00:00:00+07:00", "2026-03-04T17:00:00Z"),
        ("0 0 5 * 1", "2026-03-05T00:00:00+07:00", "2026-03-08T17:00:00Z"),
        // Only one day field restricted: that one alone decides.
        ("0 0 * * 1", "2026-03-02T00:00:00+07:00", "2026-03-08T17:00:00Z"),
        // Sunday as 0, 7 and SUN.
        ("0 9 * * 0", "2026-03-02T00:00:00+07:00", "2026-03-08T02:00:00Z"),
        ("0 9 * * 7", "2026-03-02T00:00:00+07:00", "2026-03-08T02:00:00Z"),
        ("0 9 * * SUN", "2026-03-02T00:00:00+07:00", "2026-03-08T02:00:00Z"),
        ("30 8 * JAN-MAR mon-fri", "2026-03-31T09:00:00+07:00", "2027-01-01T01:30:00Z"),
        // Month ends and leap years.
        ("0 0 31 * *", "2026-04-01T00:00:00+07:00", "2026-05-30T17:00:00Z"),
        ("0 0 29 2 *", "2026-03-01T00:00:00+07:00", "2028-02-28T17:00:00Z"),
        ("0 12 28-31 2 *", "2028-02-29T12:00:00+07:00", "2029-02-28T05:00:00Z"),
        // Macros.
        ("@hourly", "2026-03-02T10:00:00+07:00", "2026-03-02T04:00:00Z"),
        ("@daily", "2026-03-02T10:00:00+07:00", "2026-03-02T17:00:00Z"),
        ("@weekly", "2026-03-02T10:00:00+07:00", "2026-03-07T17:00:00Z"),
        ("@monthly", "2026-03-02T10:00:00+07:00", "2026-03-31T17:00:00Z"),
        ("@yearly", "2026-03-02T10:00:00+07:00", "2026-12-31T17:00:00Z"),
    ])
    func vectorsInJakarta(cron: String, after: String, expected: String) throws {
        #expect(try next(cron, after) == expected)
    }

    @Test func theAgencyZoneDecides() throws {
        // 08:00 on the 1st in WIT (UTC+9) and WITA (UTC+8).
        #expect(try next("0 8 1 * *", "2026-03-15T00:00:00Z", TimeZone(identifier: "Asia/Jayapura")!) == "2026-03-31T23:00:00Z")
        #expect(try next("0 8 1 * *", "2026-03-15T00:00:00Z", TimeZone(identifier: "Asia/Makassar")!) == "2026-04-01T00:00:00Z")
        // Kupang's weekday 15:30 WITA: Friday 2026-03-06 → Monday 2026-03-09.
        #expect(try next("30 15 * * 1-5", "2026-03-06T15:30:00+08:00", TimeZone(identifier: "Asia/Makassar")!) == "2026-03-09T07:30:00Z")
    }

    @Test func aSkippedTimeFiresOnceAtTheJump() throws {
        // New York springs forward on 2026-03-08 at 02:00 → 03:00: 02:30 does not exist that day.
        let c = try CronExpression("30 2 * * *")
        let first = try #require(c.next(after: instant("2026-03-07T12:00:00-05:00"), in: newYork))
        #expect(utc(first) == "2026-03-08T07:00:00Z")  // 03:00 EDT, right after the jump
        #expect(utc(c.next(after: first, in: newYork)) == "2026-03-09T06:30:00Z")
        // Every quarter hour inside the gap collapses into one firing.
        let q = try CronExpression("*/15 2 * * *")
        let fires = q.occurrences(after: instant("2026-03-08T00:00:00-05:00"), through: instant("2026-03-08T12:00:00-04:00"), in: newYork)
        #expect(fires.map(utc) == ["2026-03-08T07:00:00Z"])
    }

    @Test func aRepeatedTimeFiresOnce() throws {
        // New York falls back on 2026-11-01 at 02:00 EDT → 01:00 EST: 01:30 happens twice.
        let c = try CronExpression("30 1 * * *")
        let first = try #require(c.next(after: instant("2026-10-31T12:00:00-04:00"), in: newYork))
        #expect(utc(first) == "2026-11-01T05:30:00Z")  // 01:30 EDT
        #expect(utc(c.next(after: first, in: newYork)) == "2026-11-02T06:30:00Z")  // not 01:30 EST the same night
        let half = try CronExpression("*/30 * * * *")
        let fires = half.occurrences(after: instant("2026-11-01T00:45:00-04:00"), through: instant("2026-11-01T02:10:00-05:00"), in: newYork)
        #expect(fires.map(utc) == ["2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T07:00:00Z"])
    }

    @Test(arguments: [
        ("61 * * * *", "minute", "61 is outside 0–59"),
        ("* * * *", "expression", "expected 5 fields"),
        ("* * 0 * *", "day-of-month", "0 is outside 1–31"),
        ("* * * 13 *", "month", "13 is outside 1–12"),
        ("* * * * 8", "day-of-week", "8 is outside 0–7"),
        ("*/0 * * * *", "minute", "positive number"),
        ("5-1 * * * *", "minute", "runs backwards"),
        ("* * 30 2 *", "day-of-month", "never fires"),
        ("@often", "expression", "unknown macro"),
        ("MON * * * *", "minute", "not a number"),
        ("1,,2 * * * *", "minute", "empty list element"),
        ("* 24 * * *", "hour", "24 is outside 0–23"),
    ])
    func refusedWithFieldAndReason(cron: String, field: String, fragment: String) {
        do {
            _ = try CronExpression(cron)
            Issue.record("accepted \(cron)")
        } catch {
            #expect(error.field == field)
            #expect(error.reason.contains(fragment), "\(error)")
        }
    }
}

@Suite struct ReminderRuleTests {
    @Test func catchUpFiresTheLatestWithinTheWindowOnly() {
        let now = instant("2026-03-05T12:00:00+07:00")
        let due = ["2026-03-03T08:00:00+07:00", "2026-03-04T08:00:00+07:00", "2026-03-05T08:00:00+07:00"].map(instant)
        let d = CatchUp.decide(due: due, now: now, windowHours: 24)
        #expect(d.fire == due[2])
        #expect(d.skipped == [due[0], due[1]])
        // Only older than the window: nothing fires, everything is skipped.
        let late = CatchUp.decide(due: [due[0]], now: now, windowHours: 24)
        #expect(late.fire == nil && late.skipped == [due[0]] && late.handledThrough == due[0])
        #expect(CatchUp.decide(due: [], now: now, windowHours: 24).fire == nil)
    }

    @Test func backoffDoublesWithJitterAndEnds() {
        let b = Backoff(baseSeconds: 10, maxSeconds: 100, maxAttempts: 3)
        #expect(b.delay(afterAttempts: 1, unit: 0) == 5)
        #expect(b.delay(afterAttempts: 1, unit: 0.999) > 9.9)
        #expect(b.delay(afterAttempts: 2, unit: 0) == 10)
        #expect(b.delay(afterAttempts: 3, unit: 0.5) == 30)
        #expect(b.delay(afterAttempts: 9, unit: 1) == 100)  // capped
        #expect(!b.isDead(afterAttempts: 2) && b.isDead(afterAttempts: 3))
    }

    @Test func templatesAndValidation() throws {
        let text = ReminderTemplate.render(
            "Yth. {nama}, realisasi kinerja periode {periode} belum diisi. Batas pengisian: {batas}. {lain}",
            ["nama": "Budi Santoso", "periode": "2026-03", "batas": ReminderTemplate.indonesianDate(CivilDate(year: 2026, month: 4, day: 10)!)])
        #expect(text == "Yth. Budi Santoso, realisasi kinerja periode 2026-03 belum diisi. Batas pengisian: 10 April 2026. {lain}")
        #expect(throws: ValidationError.self) {
            try ReminderRule(
                name: "x", cron: "0 8 * * *", audience: "all_active_staff", template: "Halo {name}", channels: ["log"], periodStates: [], source: "admin")
        }
        #expect(throws: ValidationError.self) {
            try ReminderRule(name: "x", cron: "0 8 * * *", audience: "everyone", template: "Halo", channels: ["log"], periodStates: [], source: "admin")
        }
        #expect(throws: ValidationError.self) {
            try ReminderRule(name: "x", cron: "0 8 * * *", audience: "all_active_staff", template: "Halo", channels: ["sms"], periodStates: [], source: "admin")
        }
        #expect(throws: ValidationError.self) {
            try ReminderRule(
                name: "a b", cron: "0 8 * * *", audience: "all_active_staff", template: "Halo", channels: ["log"], periodStates: [], source: "admin")
        }
        let ok = try ReminderRule(
            name: "harian", cron: "30 15 * * 1-5", audience: "staff_missing_activity_today", template: "Yth. {nama}",
            channels: ["log", "webhook", "log"], periodStates: ["running"], source: "admin")
        #expect(ok.channels == [.log, .webhook])
        #expect(ok.periodStates == [.running])
    }
}
