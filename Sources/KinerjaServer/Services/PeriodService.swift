import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaPluginAPI
import KinerjaPluginHost
import KinerjaStore
import SwiftProtobuf

/// `kinerja.v1.PeriodService`: the yearly cycle.
struct PeriodService: Kinerja_V1_PeriodService.SimpleServiceProtocol {
    let state: DaemonState

    var store: Store { state.store }

    func clock(_ db: GRDB.Database) throws -> AgencyClock {
        AgencyClock(zone: try OrganisationStore.agency(db).timeZone)
    }

    func createPeriod(request: Kinerja_V1_CreatePeriodRequest, context: ServerContext) async throws -> Kinerja_V1_CreatePeriodResponse {
        let caller = try context.caller()
        let id = try PeriodID.requested(request.id)
        guard id.kind == .annual else {
            throw RPCError(code: .invalidArgument, message: "create the annual period (e.g. \(id.year)); its periodic children come with periodic")
        }
        let periodicText = request.periodic.isEmpty ? "none" : request.periodic.lowercased()
        guard let periodicity = Periodicity(matching: periodicText) else {
            throw RPCError(code: .invalidArgument, message: "periodic '\(Quote.short(request.periodic))' must be none, monthly, quarterly or semester")
        }
        // The agency's plugin may refuse a layout (e.g. annual-only agencies).
        let policy = try await Blocking.run { try state.policy() }
        let verdict = try await policy.validatePeriod(
            .with {
                $0.id = id.description
                $0.periodic = periodicity.rawValue
            })
        if !verdict.response.ok {
            throw RPCError(
                code: .failedPrecondition,
                message: "period layout refused by \(verdict.handledBy): \(verdict.response.reason.isEmpty ? "no reason given" : verdict.response.reason)")
        }
        return try await store.write { db in
            let made = try PeriodStore.create(db, year: id.year, periodicity: periodicity, now: Date())
            try Audit.record(
                db, actor: caller.auditActor, rpc: "CreatePeriod", target: id.description,
                summary: "annual \(id) with \(made.count - 1) \(periodicity.rawValue) periods")
            let c = try clock(db)
            return try .with { $0.periods = try made.map { try message($0, db: db, clock: c) } }
        }
    }

    func listPeriods(request: Kinerja_V1_ListPeriodsRequest, context: ServerContext) async throws -> Kinerja_V1_ListPeriodsResponse {
        try await store.read { db in
            let c = try clock(db)
            return try .with { $0.periods = try PeriodStore.all(db).map { try message($0, db: db, clock: c, counts: false) } }
        }
    }

    func getPeriod(request: Kinerja_V1_GetPeriodRequest, context: ServerContext) async throws -> Kinerja_V1_Period {
        let id = try PeriodID.requested(request.id)
        return try await store.read { db in
            let p = try PeriodStore.require(db, id)
            return try message(p, db: db, clock: try clock(db))
        }
    }

    func advancePeriod(request: Kinerja_V1_AdvancePeriodRequest, context: ServerContext) async throws -> Kinerja_V1_Period {
        let caller = try context.caller()
        let id = try PeriodID.requested(request.id)
        let reason = request.reason.trimmedBlanks
        try RequestLimits.text(reason, "reason")
        if request.force && reason.isEmpty {
            throw RPCError(code: .invalidArgument, message: "force needs a reason (it is audited)")
        }
        return try await store.write { db in
            let p = try PeriodStore.require(db, id)
            let c = try clock(db)
            var facts = TransitionFacts(id: id, state: p.state, today: c.today)
            if let parent = p.parentID { facts.parentState = try PeriodStore.find(db, parent)?.state }
            facts.childStates = try PeriodStore.children(db, of: id).map(\.state)
            facts.activeEmployees = try OrganisationStore.activeNIPs(db).count
            facts.approvedSKPs = try PeriodStore.approvedSKPs(db, annual: id.annual)
            if p.state == .assessment {
                // Closing: everyone active rated, every unit inside its curve.
                let curves = try AppraisalStore.curves(db, period: id)
                facts.unrated = curves.reduce(0) { $0 + $1.unrated }
                let violating = curves.filter { $0.predikat == nil || !$0.evaluation.satisfied }
                facts.curveViolations = violating.count
                facts.violatingUnits = violating.prefix(20).map { $0.predikat == nil ? "\($0.unit.code) (no unit predikat)" : $0.unit.code }
                if facts.unrated! > 0 {
                    let rated = try AppraisalStore.ratings(db, period: id)
                    facts.unratedNIPs = try OrganisationStore.activeUnits(db).map(\.nip).filter { rated[$0] == nil }.sorted().prefix(20).map { $0 }
                }
            }
            let next: PeriodState
            do throws(TransitionRefusal) {
                next = try PeriodRules.advance(facts, force: request.force)
            } catch {
                throw RPCError(
                    code: .failedPrecondition,
                    message: "cannot advance \(id) from \(p.state.rawValue): \(error.description); an admin may force it with a reason")
            }
            try PeriodStore.setState(db, id, next)
            try Audit.record(
                db, actor: caller.auditActor, rpc: "AdvancePeriod", target: id.description,
                summary: "\(p.state.rawValue) → \(next.rawValue)" + (request.force ? " (forced: \(reason))" : ""))
            return try message(try PeriodStore.find(db, id)!, db: db, clock: c)
        }
    }

    func reopenPeriod(request: Kinerja_V1_ReopenPeriodRequest, context: ServerContext) async throws -> Kinerja_V1_Period {
        let caller = try context.caller()
        let id = try PeriodID.requested(request.id)
        let reason = request.reason.trimmedBlanks
        try RequestLimits.text(reason, "reason")
        guard !reason.isEmpty else { throw RPCError(code: .invalidArgument, message: "reopening needs a reason (it is audited)") }
        return try await store.write { db in
            let p = try PeriodStore.require(db, id)
            guard p.state == .closed else {
                throw RPCError(code: .failedPrecondition, message: "period \(id) is \(p.state.rawValue), not closed: nothing to reopen")
            }
            if let parent = p.parentID, let ps = try PeriodStore.find(db, parent)?.state, ps == .closed {
                throw RPCError(code: .failedPrecondition, message: "reopen the annual period \(parent) first: \(id) cannot be ahead of it")
            }
            try PeriodStore.setState(db, id, .assessment)
            try Audit.record(db, actor: caller.auditActor, rpc: "ReopenPeriod", target: id.description, summary: "closed → assessment: \(reason)")
            return try message(try PeriodStore.find(db, id)!, db: db, clock: try clock(db))
        }
    }

    func setDeadline(request: Kinerja_V1_SetDeadlineRequest, context: ServerContext) async throws -> Kinerja_V1_Period {
        let caller = try context.caller()
        let id = try PeriodID.requested(request.id)
        func date(_ text: String, _ name: String) throws -> CivilDate? {
            if text.isEmpty { return nil }
            guard let d = CivilDate(iso: text) else {
                throw RPCError(code: .invalidArgument, message: "\(name) '\(Quote.short(text))' is not a date YYYY-MM-DD")
            }
            return d
        }
        let deadline = try date(request.deadline, "deadline")
        let skpDeadline = try date(request.skpDeadline, "skp deadline")
        if deadline == nil && skpDeadline == nil { throw RPCError(code: .invalidArgument, message: "give a deadline and/or an SKP deadline") }
        if skpDeadline != nil && id.kind != .annual {
            throw RPCError(code: .invalidArgument, message: "only an annual period has an SKP deadline")
        }
        if let deadline, deadline <= id.dates.start {
            throw RPCError(code: .invalidArgument, message: "deadline \(deadline) is not after the period's start \(id.dates.start)")
        }
        return try await store.write { db in
            try PeriodStore.requireOpen(db, id, action: "changing its deadlines")
            try PeriodStore.setDeadline(db, id, deadline: deadline, skpDeadline: skpDeadline)
            try Audit.record(
                db, actor: caller.auditActor, rpc: "SetDeadline", target: id.description,
                summary: [deadline.map { "deadline \($0)" }, skpDeadline.map { "SKP deadline \($0)" }].compactMap { $0 }.joined(separator: ", "))
            return try message(try PeriodStore.find(db, id)!, db: db, clock: try clock(db))
        }
    }

    func extendDeadline(request: Kinerja_V1_ExtendDeadlineRequest, context: ServerContext) async throws -> Kinerja_V1_DeadlineExtension {
        let caller = try context.caller()
        let id = try PeriodID.requested(request.periodID)
        guard let until = CivilDate(iso: request.until) else {
            throw RPCError(code: .invalidArgument, message: "until '\(Quote.short(request.until))' is not a date YYYY-MM-DD")
        }
        let reason = request.reason.trimmedBlanks
        try RequestLimits.text(reason, "reason")
        guard !reason.isEmpty else { throw RPCError(code: .invalidArgument, message: "an extension needs a reason (it is audited)") }
        let now = state.clock.now()
        return try await store.write { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            try PeriodStore.requireOpen(db, id, action: "extending its deadline")
            let record = try PeriodStore.require(db, id)
            guard until > record.deadline else {
                throw RPCError(code: .invalidArgument, message: "\(until) is not after the batas pengisian of \(id) (\(record.deadline))")
            }
            try PeriodStore.extendDeadline(db, period: id, nip: e.nip, until: until, reason: reason, byUID: Int64(caller.credentials.uid), now: now)
            try Audit.record(
                db, actor: caller.auditActor, rpc: "ExtendDeadline", target: "\(e.nip)/\(id)", summary: "until \(until): \(reason)", at: now)
            return .with {
                $0.periodID = id.description
                $0.nip = e.nip
                $0.until = until.description
                $0.reason = reason
                $0.periodDeadline = record.deadline.description
            }
        }
    }

    func message(_ p: PeriodRecord, db: GRDB.Database, clock: AgencyClock, counts: Bool = true) throws -> Kinerja_V1_Period {
        func deadline(_ d: CivilDate) -> Kinerja_V1_Deadline {
            .with {
                $0.date = d.description
                $0.untilUtc = UTCTime.format(clock.endOfDay(d))
                $0.local = "\(d) 23:59 \(clock.label)"
            }
        }
        var m = Kinerja_V1_Period()
        m.id = p.id.description
        m.kind = p.id.kind.rawValue
        m.parentID = p.parentID?.description ?? ""
        m.periodicity = p.periodicity.rawValue
        m.state = p.state.rawValue
        m.startDate = p.start.description
        m.endDate = p.end.description
        m.deadline = deadline(p.deadline)
        if let s = p.skpDeadline { m.skpDeadline = deadline(s) }
        m.timeZone = clock.zone.identifier
        if counts {
            m.children = try PeriodStore.children(db, of: p.id).map(\.id.description)
            let facts = try PeriodStore.facts(db, p.id)
            m.skpCounts = facts.skp.mapValues { Int32($0) }
            m.activeEmployees = Int32(facts.active)
            m.realisasiFilled = Int32(facts.realisasiFilled)
            m.realisasiExpected = Int32(facts.realisasiExpected)
        }
        return m
    }
}
