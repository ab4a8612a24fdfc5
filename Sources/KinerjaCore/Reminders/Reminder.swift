import Foundation

/// Who a reminder goes to, computed from the database when it fires.
public enum Audience: String, Sendable, CaseIterable, Codable {
    case allActiveStaff = "all_active_staff"
    case staffWithoutApprovedSKP = "staff_without_approved_skp"
    case staffMissingRealisasi = "staff_missing_realisasi"
    case staffMissingActivityToday = "staff_missing_activity_today"
    case supervisorsWithPendingSKP = "supervisors_with_pending_skp"
    case supervisorsWithUnratedSubordinates = "supervisors_with_unrated_subordinates"

    /// Which period the audience is about: the annual one (SKP), a periodic one (realisasi, ratings) or none.
    public var periodScope: PeriodScope {
        switch self {
        case .allActiveStaff, .staffMissingActivityToday: .none
        case .staffWithoutApprovedSKP, .supervisorsWithPendingSKP: .annual
        case .staffMissingRealisasi: .periodicFilling
        case .supervisorsWithUnratedSubordinates: .periodicEnded
        }
    }

    public enum PeriodScope: Sendable {
        case none
        /// The annual period of the current year.
        case annual
        /// The periodic period being filled: started, with the nearest deadline not yet passed.
        case periodicFilling
        /// The most recent period (periodic, else annual) that has ended.
        case periodicEnded
    }
}

public enum Channel: String, Sendable, CaseIterable, Codable {
    case webhook, sendmail, log
}

/// A reminder rule: when, to whom, what, how, and in which period states.
public struct ReminderRule: Sendable, Equatable {
    public var name: String
    public var cron: CronExpression
    public var audience: Audience
    public var template: String
    public var channels: [Channel]
    /// Period states in which the rule is active (of the period its audience is about); empty: always.
    public var periodStates: [PeriodState]
    /// Also notify the supervisor when the recipient still owes this many days after the deadline; 0: never.
    public var escalateAfterDays: Int
    /// Missed occurrences younger than this fire once after downtime; older ones are skipped.
    public var catchUpHours: Int
    /// `national`, the plugin id, or `admin`.
    public var source: String

    public static let placeholders = ["nama", "nip", "unit", "periode", "batas", "jumlah", "tanggal"]

    public init(
        name: String, cron: String, audience: String, template: String, channels: [String], periodStates: [String],
        escalateAfterDays: Int = 0, catchUpHours: Int = 24, source: String
    ) throws(ValidationError) {
        let n = name.trimmedBlanks
        guard !n.isEmpty, n.count <= 64, n.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw ValidationError("rule name '\(Quote.short(name))' must be 1–64 letters, digits, '-' or '_'")
        }
        self.name = n
        do { self.cron = try CronExpression(cron) } catch { throw ValidationError("rule \(n): \(error.description)") }
        guard let a = Audience(matching: audience) else {
            throw ValidationError("rule \(n): unknown audience '\(audience)'; use one of \(Audience.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.audience = a
        guard !template.trimmedBlanks.isEmpty else { throw ValidationError("rule \(n): the message template is empty") }
        for p in Self.placeholderNames(in: template) where !Self.placeholders.contains(p) {
            throw ValidationError("rule \(n): unknown placeholder {\(p)}; use \(Self.placeholders.map { "{\($0)}" }.joined(separator: ", "))")
        }
        self.template = template
        var cs: [Channel] = []
        for c in channels {
            guard let ch = Channel(matching: c) else { throw ValidationError("rule \(n): unknown channel '\(c)'; use webhook, sendmail or log") }
            if !cs.contains(ch) { cs.append(ch) }
        }
        guard !cs.isEmpty else { throw ValidationError("rule \(n): name at least one channel (webhook, sendmail, log)") }
        self.channels = cs
        var states: [PeriodState] = []
        for s in periodStates {
            guard let st = PeriodState(matching: s) else { throw ValidationError("rule \(n): unknown period state '\(s)'") }
            states.append(st)
        }
        self.periodStates = states
        guard (0...366).contains(escalateAfterDays) else { throw ValidationError("rule \(n): escalate_after must be 0–366 days") }
        self.escalateAfterDays = escalateAfterDays
        guard (0...24 * 366).contains(catchUpHours) else { throw ValidationError("rule \(n): catch-up window must be 0–8784 hours") }
        self.catchUpHours = catchUpHours
        self.source = source
    }

    static func placeholderNames(in template: String) -> [String] {
        var out: [String] = []
        var current: String?
        for c in template {
            if c == "{" {
                current = ""
            } else if c == "}" {
                if let p = current { out.append(p) }
                current = nil
            } else if current != nil {
                current!.append(c)
            }
        }
        return out
    }
}

/// Fills `{nama}`-style placeholders; unknown ones stay as written.
public enum ReminderTemplate {
    public static func render(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        out.reserveCapacity(template.utf8.count + 32)
        var i = template.startIndex
        while i < template.endIndex {
            let c = template[i]
            if c == "{", let close = template[i...].firstIndex(of: "}") {
                let key = String(template[template.index(after: i)..<close])
                if let v = values[key] {
                    out += v
                    i = template.index(after: close)
                    continue
                }
            }
            out.append(c)
            i = template.index(after: i)
        }
        return out
    }

    static let monthNames = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"]

    /// "10 April 2026".
    public static func indonesianDate(_ d: CivilDate) -> String { "\(d.day) \(monthNames[d.month - 1]) \(d.year)" }
}

/// What to do about the occurrences of a rule since it last fired.
public struct CatchUp: Sendable, Equatable {
    /// The occurrence to fire now, if any.
    public var fire: Date?
    /// Occurrences passed over (too old, or older than the one fired).
    public var skipped: [Date]
    /// What to record as the last handled occurrence.
    public var handledThrough: Date?

    /// Decides for the occurrences due in `(last, now]` (oldest first): the most recent fires if it is within
    /// the window, all older ones are skipped.
    public static func decide(due: [Date], now: Date, windowHours: Int) -> CatchUp {
        guard let latest = due.last else { return CatchUp(fire: nil, skipped: [], handledThrough: nil) }
        let fresh = now.timeIntervalSince(latest) <= Double(windowHours) * 3600
        return CatchUp(fire: fresh ? latest : nil, skipped: fresh ? Array(due.dropLast()) : due, handledThrough: latest)
    }
}

/// Retry timing for failed deliveries: exponential with full jitter on the upper half.
public struct Backoff: Sendable, Equatable {
    public var baseSeconds: Double = 5
    public var maxSeconds: Double = 3600
    public var maxAttempts: Int = 8

    public init(baseSeconds: Double = 5, maxSeconds: Double = 3600, maxAttempts: Int = 8) {
        self.baseSeconds = baseSeconds
        self.maxSeconds = maxSeconds
        self.maxAttempts = maxAttempts
    }

    /// Delay before attempt `attempts + 1` after `attempts` failures; `unit` in [0, 1) is the jitter draw.
    public func delay(afterAttempts attempts: Int, unit: Double) -> Double {
        let exponential = min(maxSeconds, baseSeconds * pow(2, Double(max(0, attempts - 1))))
        return exponential / 2 + exponential / 2 * unit
    }

    public func isDead(afterAttempts attempts: Int) -> Bool { attempts >= maxAttempts }
}
