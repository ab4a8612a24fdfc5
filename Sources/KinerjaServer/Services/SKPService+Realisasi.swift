import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

/// Realisasi one at a time, as a portal files and reads it.
extension SKPService {
    func listRealisasi(request: Kinerja_V1_ListRealisasiRequest, context: ServerContext) async throws -> Kinerja_V1_ListRealisasiResponse {
        let caller = try context.caller()
        let period = try PeriodID.requested(request.periodID)
        let now = state.clock.now()
        return try await store.read { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            try caller.require(.ownOrSupervisor, employee: e, action: "read the realisasi of \(e.nip)", db: db, now: now, period: period)
            let record = try PeriodStore.require(db, period)
            let extensionDate = try PeriodStore.deadlineExtension(db, period: period, nip: e.nip)?.until
            let deadline = FilingDeadline.inForce(period: record.deadline, extendedUntil: extensionDate)
            let today = try AgencyClock.agency(db, at: now).today
            let skp = try SKPStore.load(db, nip: e.nip, period: period.annual)
            let stored = try RealisasiStore.list(db, nip: e.nip, period: period)
            let feedback = try SKPStore.rhkFeedback(db, nip: e.nip, period: period)
            return .with {
                $0.nip = e.nip
                $0.periodID = period.description
                $0.periodState = record.state.rawValue
                $0.deadline = deadline.description
                $0.extended = deadline != record.deadline
                $0.openForFiling =
                    skp?.status == .approved && RealisasiRules.periodRefusal(period, state: record.state) == nil
                    && FilingDeadline.refusal(period: period, deadline: record.deadline, extendedUntil: extensionDate, today: today) == nil
                if let skp { $0.skp = Self.message(skp, employee: e) }
                $0.realisasi = stored.map { Self.message($0.entry, updatedAt: $0.updatedAt) }
                $0.umpanBalik = feedback.map { f in
                    .with {
                        $0.rhkID = f.rhk
                        $0.text = f.text
                        $0.byNip = f.by
                        $0.updatedAt = f.updatedAt
                    }
                }
            }
        }
    }

    func putRealisasi(request: Kinerja_V1_PutRealisasiRequest, context: ServerContext) async throws -> Kinerja_V1_RealisasiEntry {
        let caller = try context.caller()
        let key = request.key
        let period = try PeriodID.requested(key.periodID)
        for (name, id) in [("rhk_id", key.rhkID), ("indicator_id", key.indicatorID)] where id.isEmpty || id.utf8.count > 64 {
            throw RPCError(code: .invalidArgument, message: "\(name) must be 1 to 64 characters")
        }
        guard request.evidence.count <= FieldLimit.evidenceLinks else {
            throw RPCError(code: .invalidArgument, message: "evidence has \(request.evidence.count) links; at most \(FieldLimit.evidenceLinks) are allowed")
        }
        let now = state.clock.now()
        return try await store.write { db in
            let e = try EmployeeLookup.employee(db, key.nip)
            try caller.require(.own, employee: e, action: "file realisasi for \(e.nip)")
            try requireFilable(db, caller: caller, nip: e.nip, period: period, now: now)
            let annual = period.annual
            if let refusal = RealisasiRules.skpRefusal(nip: e.nip, annual: annual, status: try SKPStore.status(db, nip: e.nip, period: annual) ?? .draft) {
                throw RPCError(code: .failedPrecondition, message: refusal.message)
            }
            guard let numeric = try SKPStore.indicatorIsNumeric(db, nip: e.nip, period: annual, rhk: key.rhkID, indicator: key.indicatorID) else {
                throw RPCError(
                    code: .notFound, message: "\(e.nip)'s SKP for \(annual) has no indicator \(Quote.short(key.rhkID))/\(Quote.short(key.indicatorID))")
            }
            let evidence = request.evidence.map { $0.trimmingWhitespaces }.filter { !$0.isEmpty }.joined(separator: " ")
            let content = RealisasiRules.content(
                numeric: numeric, rhk: key.rhkID, indicator: key.indicatorID, valueText: request.value.trimmingWhitespaces,
                text: request.text.trimmedBlanks, evidence: evidence, note: request.note.trimmedBlanks)
            let (value, text): (Double?, String)
            switch content {
            case .failure(let refusal): throw RPCError(code: .invalidArgument, message: "\(refusal.column): \(refusal.message)")
            case .success(let c): (value, text) = c
            }
            let entry = RealisasiStore.Entry(
                period: period.description, annual: annual.description, nip: e.nip, rhk: key.rhkID, indicator: key.indicatorID, value: value, text: text,
                evidence: evidence, note: request.note.trimmedBlanks)
            try RealisasiStore.save(db, [entry], now: now)
            try Audit.record(
                db, actor: caller.auditActor, rpc: "PutRealisasi", target: "\(e.nip)/\(period)/\(key.rhkID)/\(key.indicatorID)",
                summary: value.map { "value \($0)" } ?? "text", at: now)
            let stored = StoredRealisasi(
                period: entry.period, nip: e.nip, rhk: entry.rhk, indicator: entry.indicator, value: value, text: text, evidence: evidence, note: entry.note)
            return Self.message(stored, updatedAt: UTCTime.format(now))
        }
    }

    func deleteRealisasi(request: Kinerja_V1_RealisasiKey, context: ServerContext) async throws -> Kinerja_V1_DeleteRealisasiResponse {
        let caller = try context.caller()
        let period = try PeriodID.requested(request.periodID)
        let now = state.clock.now()
        return try await store.write { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            try caller.require(.own, employee: e, action: "delete realisasi of \(e.nip)")
            try requireFilable(db, caller: caller, nip: e.nip, period: period, now: now)
            let deleted = try RealisasiStore.delete(db, nip: e.nip, period: period, rhk: request.rhkID, indicator: request.indicatorID)
            if deleted {
                try Audit.record(
                    db, actor: caller.auditActor, rpc: "DeleteRealisasi", target: "\(e.nip)/\(period)/\(request.rhkID)/\(request.indicatorID)",
                    summary: "deleted", at: now)
            }
            return .with { $0.deleted = deleted }
        }
    }

    /// The period exists and is not closed; for a gateway, its batas pengisian (or the employee's extension) has not
    /// passed in the agency's zone. Operators and admins are not bound by the deadline.
    func requireFilable(_ db: GRDB.Database, caller: Caller, nip: String, period: PeriodID, now: Date) throws {
        let record = try PeriodStore.require(db, period)
        if let refusal = RealisasiRules.periodRefusal(period, state: record.state) {
            throw RPCError(code: .failedPrecondition, message: refusal.message)
        }
        guard caller.role == .gateway else { return }
        try requireBeforeDeadline(db, nip: nip, period: record, today: try AgencyClock.agency(db, at: now).today)
    }

    /// FAILED_PRECONDITION once `period`'s batas pengisian (or the employee's extension) has passed on `today`.
    func requireBeforeDeadline(_ db: GRDB.Database, nip: String, period: PeriodRecord, today: CivilDate) throws {
        let extended = try PeriodStore.deadlineExtension(db, period: period.id, nip: nip)?.until
        if let why = FilingDeadline.refusal(period: period.id, deadline: period.deadline, extendedUntil: extended, today: today) {
            throw RPCError(code: .failedPrecondition, message: why)
        }
    }

    static func message(_ r: StoredRealisasi, updatedAt: String) -> Kinerja_V1_RealisasiEntry {
        .with {
            $0.key = .with {
                $0.nip = r.nip
                $0.periodID = r.period
                $0.rhkID = r.rhk
                $0.indicatorID = r.indicator
            }
            if let v = r.value {
                $0.hasValue_p = true
                $0.value = v
            }
            $0.text = r.text
            $0.evidence = FieldLimit.evidenceLinks(r.evidence).map(String.init)
            $0.note = r.note
            $0.updatedAt = updatedAt
        }
    }
}
