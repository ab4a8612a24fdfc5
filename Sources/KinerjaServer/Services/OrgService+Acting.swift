import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

/// PLT / PLH: an employee standing in for a unit's head for dated days.
extension OrgService {
    static func date(_ text: String, _ name: String) throws -> CivilDate {
        guard let d = CivilDate(iso: text.trimmedBlanks) else {
            throw RPCError(code: .invalidArgument, message: "\(name) '\(Quote.short(text))' is not a date; use YYYY-MM-DD")
        }
        return d
    }

    func addActing(request: Kinerja_V1_AddActingRequest, context: ServerContext) async throws -> Kinerja_V1_ActingAssignment {
        let caller = try context.caller()
        guard let kind = ActingKind(rawValue: request.kind.asciiLowercased) else {
            throw RPCError(code: .invalidArgument, message: "kind '\(Quote.short(request.kind))' must be plt or plh")
        }
        let from = try Self.date(request.from, "from")
        let to = try Self.date(request.to, "to")
        try RequestLimits.text(request.reason, "reason")
        let now = state.clock.now()
        return try await store.write { db in
            let unit = try OrganisationStore.requireUnit(db, code: request.unitCode)
            let e = try EmployeeLookup.employee(db, request.nip)
            var a = ActingAssignment(
                unitCode: unit.code, nip: e.nip, kind: kind, from: from, to: to, reason: request.reason.trimmedBlanks, createdBy: caller.recordName)
            let overlapping = try StructureStore.overlapping(db, unit: unit.code, kind: kind, from: from, to: to)
            if let why = ActingRules.refusal(a, head: unit.headNIP, employeeActive: e.active, overlapping: overlapping) {
                throw RPCError(code: .failedPrecondition, message: why)
            }
            a.id = try StructureStore.addAssignment(db, a, now: now)
            try Audit.record(
                db, actor: caller.auditActor, rpc: "AddActing", target: "\(unit.code) \(e.nip)",
                summary: "\(kind.rawValue.uppercased()) \(from) to \(to)" + (a.reason.isEmpty ? "" : ": \(a.reason)"))
            return try Self.actingMessage(db, a, today: try AgencyClock.agency(db, at: now).today)
        }
    }

    func listActing(request: Kinerja_V1_ListActingRequest, context: ServerContext) async throws -> Kinerja_V1_ListActingResponse {
        let now = state.clock.now()
        return try await store.read { db in
            if !request.unitCode.isEmpty { _ = try OrganisationStore.requireUnit(db, code: request.unitCode) }
            if !request.nip.isEmpty { _ = try EmployeeLookup.employee(db, request.nip) }
            let today = try AgencyClock.agency(db, at: now).today
            let list = try StructureStore.assignments(
                db, unit: request.unitCode.isEmpty ? nil : request.unitCode, nip: request.nip.isEmpty ? nil : request.nip, on: request.current ? today : nil)
            return try .with { $0.assignments = try list.map { try Self.actingMessage(db, $0, today: today) } }
        }
    }

    func endActing(request: Kinerja_V1_EndActingRequest, context: ServerContext) async throws -> Kinerja_V1_ActingAssignment {
        let caller = try context.caller()
        let on = request.on.isEmpty ? nil : try Self.date(request.on, "on")
        let now = state.clock.now()
        return try await store.write { db in
            guard var a = try StructureStore.assignment(db, id: request.id) else {
                throw RPCError(code: .notFound, message: "no acting assignment \(request.id) (kinerjactl acting list)")
            }
            let today = try AgencyClock.agency(db, at: now).today
            let last = on ?? today
            guard last < a.to else {
                throw RPCError(code: .failedPrecondition, message: "assignment \(a.id) already ends on \(a.to), not after \(last)")
            }
            guard last >= a.from.adding(days: -1) else {
                throw RPCError(code: .failedPrecondition, message: "assignment \(a.id) starts on \(a.from); end it on \(a.from.adding(days: -1)) or later")
            }
            try StructureStore.endAssignment(db, id: a.id, on: last, by: caller.recordName, now: now)
            try Audit.record(db, actor: caller.auditActor, rpc: "EndActing", target: "\(a.unitCode) \(a.nip)", summary: "ends \(last) (was \(a.to))")
            a = try StructureStore.assignment(db, id: a.id)!
            return try Self.actingMessage(db, a, today: today)
        }
    }

    static func actingMessage(_ db: GRDB.Database, _ a: ActingAssignment, today: CivilDate) throws -> Kinerja_V1_ActingAssignment {
        let unit = try OrganisationStore.unit(db, code: a.unitCode)
        return .with {
            $0.id = a.id
            $0.unitCode = a.unitCode
            $0.unitName = unit?.name ?? ""
            $0.nip = a.nip
            $0.name = (try? OrganisationStore.employee(db, nip: a.nip)?.name) ?? ""
            $0.kind = a.kind.rawValue
            $0.from = a.from.description
            $0.to = a.to.description
            $0.reason = a.reason
            $0.createdBy = a.createdBy
            $0.endedBy = a.endedBy
            $0.endedAt = a.endedAt
            $0.headNip = unit?.headNIP ?? ""
            $0.current = a.covers(today)
        }
    }
}
