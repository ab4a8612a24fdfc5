import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

/// The daily activity log one entry at a time, as a portal keeps it.
extension SKPService {
    func putActivity(request: Kinerja_V1_ActivityInput, context: ServerContext) async throws -> Kinerja_V1_Activity {
        let caller = try context.caller()
        let now = state.clock.now()
        return try await store.write { db in
            let entry = try checkedActivity(db, request, caller: caller, replacing: nil, now: now)
            let existing = try ActivityStore.id(db, nip: entry.nip, date: entry.date, description: entry.description)
            try requireDayFits(db, entry, replacing: existing)
            try ActivityStore.save(db, [entry], now: now)
            let id = try ActivityStore.id(db, nip: entry.nip, date: entry.date, description: entry.description) ?? 0
            try Audit.record(
                db, actor: caller.auditActor, rpc: "PutActivity", target: "\(entry.nip)/\(entry.date)",
                summary: "\(existing == nil ? "added" : "replaced") activity \(id), \(entry.minutes) min", at: now)
            return Self.message(ActivityStore.Stored(id: id, entry: entry))
        }
    }

    func updateActivity(request: Kinerja_V1_UpdateActivityRequest, context: ServerContext) async throws -> Kinerja_V1_Activity {
        let caller = try context.caller()
        let now = state.clock.now()
        return try await store.write { db in
            guard let old = try ActivityStore.find(db, id: request.id), old.entry.nip == request.activity.nip else {
                throw RPCError(code: .notFound, message: "\(Quote.short(request.activity.nip)) has no activity \(request.id)")
            }
            // Both the day it leaves and the day it moves to must still be open for filing.
            _ = try checkedActivity(db, Self.input(old.entry), caller: caller, replacing: old.id, now: now)
            let entry = try checkedActivity(db, request.activity, caller: caller, replacing: old.id, now: now)
            if let clash = try ActivityStore.id(db, nip: entry.nip, date: entry.date, description: entry.description), clash != old.id {
                throw RPCError(
                    code: .failedPrecondition, message: "\(entry.nip) already logged '\(Quote.short(entry.description))' on \(entry.date) (activity \(clash))")
            }
            try requireDayFits(db, entry, replacing: old.id)
            try ActivityStore.update(db, id: old.id, entry, now: now)
            try Audit.record(
                db, actor: caller.auditActor, rpc: "UpdateActivity", target: "\(entry.nip)/\(entry.date)", summary: "activity \(old.id), \(entry.minutes) min",
                at: now)
            return Self.message(ActivityStore.Stored(id: old.id, entry: entry))
        }
    }

    func deleteActivity(request: Kinerja_V1_ActivityRef, context: ServerContext) async throws -> Kinerja_V1_DeleteActivityResponse {
        let caller = try context.caller()
        let now = state.clock.now()
        return try await store.write { db in
            guard let old = try ActivityStore.find(db, id: request.id), old.entry.nip == request.nip else {
                throw RPCError(code: .notFound, message: "\(Quote.short(request.nip)) has no activity \(request.id)")
            }
            _ = try checkedActivity(db, Self.input(old.entry), caller: caller, replacing: old.id, now: now)
            let deleted = try ActivityStore.delete(db, id: old.id)
            try Audit.record(
                db, actor: caller.auditActor, rpc: "DeleteActivity", target: "\(old.entry.nip)/\(old.entry.date)", summary: "activity \(old.id)", at: now)
            return .with { $0.deleted = deleted }
        }
    }

    /// The entry `input` describes, when the caller may log it: their own (a gateway), an active employee, a day that
    /// has passed inside a running period, open for filing (a gateway: before the batas pengisian of every period that
    /// holds the day, or the employee's extension), the fields within bounds, an RHK of the year's SKP when named.
    private func checkedActivity(
        _ db: GRDB.Database, _ input: Kinerja_V1_ActivityInput, caller: Caller, replacing: Int64?, now: Date
    ) throws -> ActivityStore.Entry {
        let e = try EmployeeLookup.employee(db, input.nip)
        try caller.require(.own, employee: e, action: "log activities for \(e.nip)")
        guard e.active else { throw RPCError(code: .failedPrecondition, message: "\(e.nip) is not active") }
        guard let date = CivilDate(iso: input.date) else {
            throw RPCError(code: .invalidArgument, message: "date '\(Quote.short(input.date))' is not a date YYYY-MM-DD")
        }
        let clock = try AgencyClock.agency(db, at: now)
        let periods = try PeriodStore.all(db)
        if let why = ActivityRules.dateRefusal(date, today: clock.today, periods: periods.map { (id: $0.id, state: $0.state) }) {
            throw RPCError(code: .failedPrecondition, message: why)
        }
        if caller.role == .gateway {
            for p in periods where p.id.contains(date) { try requireBeforeDeadline(db, nip: e.nip, period: p, today: clock.today) }
        }
        let description = input.description_p.trimmedBlanks
        let evidence = input.evidence.trimmingWhitespaces
        if let refusal = ActivityRules.entryRefusal(description: description, minutesText: "\(input.minutes)", evidence: evidence) {
            throw RPCError(code: .invalidArgument, message: "\(refusal.column): \(refusal.message)")
        }
        let rhk = input.rhkID.trimmingWhitespaces
        if !rhk.isEmpty, try !SKPStore.hasRHK(db, nip: e.nip, period: PeriodID(year: date.year, kind: .annual, index: 0), rhk: rhk) {
            throw RPCError(code: .notFound, message: "\(e.nip) has no RHK '\(Quote.short(rhk))' in the SKP for \(date.year)")
        }
        return ActivityStore.Entry(nip: e.nip, date: date, description: description, rhk: rhk, minutes: Int(input.minutes), evidence: evidence)
    }

    /// The day's activities with `entry` (in place of `replacing`) fit in a day.
    private func requireDayFits(_ db: GRDB.Database, _ entry: ActivityStore.Entry, replacing: Int64?) throws {
        var minutes = try ActivityStore.minutesOfDay(db, nip: entry.nip, date: entry.date)
        if let replacing { minutes[replacing] = nil }
        if let why = ActivityRules.dayRefusal(nip: entry.nip, date: entry.date, total: minutes.values.reduce(entry.minutes, +)) {
            throw RPCError(code: .failedPrecondition, message: why)
        }
    }

    static func input(_ e: ActivityStore.Entry) -> Kinerja_V1_ActivityInput {
        .with {
            $0.nip = e.nip
            $0.date = e.date.description
            $0.description_p = e.description
            $0.minutes = Int32(clamping: e.minutes)
            $0.rhkID = e.rhk
            $0.evidence = e.evidence
        }
    }

    static func message(_ r: ActivityStore.Stored) -> Kinerja_V1_Activity {
        .with {
            $0.id = r.id
            $0.nip = r.entry.nip
            $0.date = r.entry.date.description
            $0.description_p = r.entry.description
            $0.rhkID = r.entry.rhk
            $0.minutes = Int32(clamping: r.entry.minutes)
            $0.evidence = r.entry.evidence
        }
    }
}
