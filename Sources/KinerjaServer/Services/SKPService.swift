import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import Logging
import SwiftProtobuf

/// `kinerja.v1.SKPService`: performance plans, realisasi, feedback, daily activities.
struct SKPService: Kinerja_V1_SKPService.SimpleServiceProtocol {
    let state: DaemonState
    var store: Store { state.store }

    // MARK: SKP

    func importSKP(request: Kinerja_V1_ImportSKPRequest, context: ServerContext) async throws -> Kinerja_V1_ImportReport {
        let caller = try context.caller()
        let fallback = request.periodID.isEmpty ? nil : try PeriodID.requested(request.periodID, annual: true)
        let logger = state.logger
        let step = state.settings.limits.importStepSKPs
        return try await Blocking.run {
            let clock = ContinuousClock()
            let t0 = clock.now
            let (decoded, decodeErrors) = SKPDecoding.decode(request.content, period: fallback)
            let t1 = clock.now
            // Every problem of the file in one pass: what decoding found, then what validation finds in the rest.
            guard let decoded else { return ImportReport.failed(decodeErrors, dryRun: request.dryRun) }
            let work = { (db: GRDB.Database, pending: PendingWrites) throws -> Kinerja_V1_ImportReport in
                let period = decoded.items.first?.skp.period ?? fallback!
                guard let p = try PeriodStore.find(db, period) else {
                    return ImportReport.failed(decodeErrors + [ItemError("period", "period \(period) does not exist")], dryRun: request.dryRun)
                }
                guard p.id.kind == .annual else {
                    return ImportReport.failed(decodeErrors + [ItemError("period", "\(period) is not an annual period")], dryRun: request.dryRun)
                }
                if p.state == .closed {
                    throw RPCError(code: .failedPrecondition, message: "period \(period) is closed: importing SKPs is not allowed")
                }
                let employees = try OrganisationStore.employeesByNIP(db)
                let statuses = try SKPStore.statuses(db, period: period)
                let stored = try SKPStore.rhkIDs(db, period: period)
                var errors: [ItemError] = decodeErrors
                var seen: [String: String] = [:]
                for (path, skp) in decoded.items {
                    errors += SKPRules.validateStructure(skp, path: path)
                    guard let e = employees[skp.nip] else {
                        if !skp.nip.isEmpty { errors.append(ItemError(path + ".nip", "unknown employee \(skp.nip)")) }
                        continue
                    }
                    if !e.active { errors.append(ItemError(path + ".nip", "\(skp.nip) is not active")) }
                    if let first = seen[skp.nip] { errors.append(ItemError(path + ".nip", "\(skp.nip) already has an SKP in this file at \(first)")) }
                    seen[skp.nip] = path
                    if let status = statuses[skp.nip], !status.editable {
                        errors.append(ItemError(path, "the SKP of \(skp.nip) is \(status.rawValue); only draft or returned SKPs can be edited"))
                    }
                    do { try caller.require(.own, employee: e, action: "import the SKP of \(skp.nip)") } catch let error as RPCError {
                        errors.append(ItemError(path, error.message))
                    }
                }
                errors += SKPRules.validateIntervensi(decoded.items, employees: employees) { stored[$0] }
                let replaced = Set(decoded.items.lazy.map(\.skp.nip).filter { stored[$0] != nil })
                errors += SKPRules.validateDanglingIntervensi(decoded.items, stored: try SKPStore.interventions(db, period: period, supervisors: replaced))
                let t2 = clock.now
                defer {
                    logger.info(
                        "SKP import timing",
                        metadata: [
                            "skp": "\(decoded.items.count)", "decoder": "\(decoded.decoder)", "decode": "\(t1 - t0)", "validate": "\(t2 - t1)",
                            "write": "\(clock.now - t2)",
                        ])
                }
                if !errors.isEmpty { return ImportReport.failed(errors, dryRun: request.dryRun) }
                var counts = ImportCounts()
                for (_, skp) in decoded.items {
                    if statuses[skp.nip] == nil { counts.added += 1 } else { counts.updated += 1 }
                }
                if !request.dryRun {
                    let skps = decoded.items.map { item -> SKP in
                        var s = item.skp
                        s.status = request.submit ? .submitted : .draft
                        return s
                    }
                    let audit = StagedImportStore.StagedAudit(
                        actor: caller.auditActor, rpc: "ImportSKP", target: period.description,
                        summary: "\(counts.added) added, \(counts.updated) replaced (\(request.submit ? "submitted" : "draft")) from \(request.fileName)")
                    let supervisors = employees.compactMapValues(\.supervisorNIP)
                    let write = StagedImport.skp(
                        period: period, skps: skps, supervisors: supervisors, existing: Set(statuses.keys), audit: audit, step: step, now: Date())
                    if skps.count > step { pending.stage(write) } else { pending.add(write.applyAtOnce) }
                }
                return ImportReport.succeeded(counts, rows: decoded.items.count, dryRun: request.dryRun)
            }
            let report = try PlannedWrite.run(store, reads: ["skp", "rhk", "indicators"], dryRun: request.dryRun, work)
            logger.info("SKP import timing, whole call", metadata: ["seconds": "\(clock.now - t0)"])
            return report
        }
    }

    func getSKP(request: Kinerja_V1_SKPRef, context: ServerContext) async throws -> Kinerja_V1_SKP {
        let caller = try context.caller()
        let period = try PeriodID.requested(request.periodID, annual: true)
        return try await store.read { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            try caller.require(.ownSupervisorOrSubordinate, employee: e, action: "read the SKP of \(e.nip)", db: db, now: state.clock.now()) { supervisor in
                try OrganisationStore.employee(db, nip: caller.actorNIP)?.supervisorNIP == supervisor
            }
            guard let skp = try SKPStore.load(db, nip: e.nip, period: period) else {
                throw RPCError(code: .notFound, message: "\(e.nip) has no SKP for \(period)")
            }
            return Self.message(skp, employee: e)
        }
    }

    static func message(_ s: SKP, employee: Employee) -> Kinerja_V1_SKP {
        .with {
            $0.nip = s.nip
            $0.name = employee.name
            $0.periodID = s.period.description
            $0.status = s.status.rawValue
            $0.returnNote = s.returnNote
            $0.supervisorNip = employee.supervisorNIP ?? ""
            $0.rhk = s.rhk.map { r in
                .with {
                    $0.id = r.id
                    $0.kind = r.kind.rawValue
                    $0.text = r.text
                    $0.intervensi = r.intervensi ?? ""
                    $0.indicators = r.indicators.map { i in
                        .with {
                            $0.id = i.id
                            $0.aspect = i.aspect.rawValue
                            $0.text = i.text
                            $0.hasTarget_p = i.target != nil
                            $0.target = i.target ?? 0
                            $0.unit = i.unit
                            $0.targetText = i.targetText
                            $0.direction = i.direction.rawValue
                        }
                    }
                }
            }
            $0.dukunganSumberDaya = s.lampiran.dukunganSumberDaya
            $0.skemaPertanggungjawaban = s.lampiran.skemaPertanggungjawaban
            $0.konsekuensi = s.lampiran.konsekuensi
            $0.perilaku = Dictionary(uniqueKeysWithValues: s.perilaku.map { ($0.key.rawValue, $0.value) })
        }
    }

    func listSKP(request: Kinerja_V1_ListSKPRequest, context: ServerContext) async throws -> Kinerja_V1_ListSKPResponse {
        let period = try PeriodID.requested(request.periodID, annual: true)
        let status: SKPStatus?
        if request.status.isEmpty {
            status = nil
        } else if let s = SKPStatus(matching: request.status) {
            status = s
        } else {
            throw RPCError(code: .invalidArgument, message: "status must be draft, submitted, approved or returned")
        }
        return try await store.read { db in
            _ = try PeriodStore.require(db, period)
            let rows = try SKPStore.list(db, period: period, status: status, unit: request.unitCode.isEmpty ? nil : request.unitCode)
            let counts = try PeriodStore.facts(db, period)
            return .with {
                $0.skp = rows.map { r in
                    .with {
                        $0.nip = r.nip
                        $0.name = r.name
                        $0.unitCode = r.unitCode
                        $0.status = r.status.rawValue
                        $0.rhk = Int32(r.rhkCount)
                        $0.indicators = Int32(r.indicatorCount)
                    }
                }
                $0.missing = Int32(counts.skp["missing"] ?? 0)
            }
        }
    }

    func submitSKP(request: Kinerja_V1_SKPRef, context: ServerContext) async throws -> Kinerja_V1_SKP {
        try await transition(request, context, right: .own, action: .submit, rpc: "SubmitSKP")
    }

    func approveSKP(request: Kinerja_V1_SKPRef, context: ServerContext) async throws -> Kinerja_V1_SKP {
        try await transition(request, context, right: .supervisor, action: .approve, rpc: "ApproveSKP")
    }

    func returnSKP(request: Kinerja_V1_SKPRef, context: ServerContext) async throws -> Kinerja_V1_SKP {
        try RequestLimits.text(request.note, "note")
        guard !request.note.trimmedBlanks.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "returning an SKP needs a note saying what to change (note)")
        }
        return try await transition(request, context, right: .supervisor, action: .return, rpc: "ReturnSKP")
    }

    func reviseSKP(request: Kinerja_V1_SKPRef, context: ServerContext) async throws -> Kinerja_V1_SKP {
        try RequestLimits.text(request.note, "note")
        guard !request.note.trimmedBlanks.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "revising an SKP needs a note saying what the dialog kinerja agreed to change (note)")
        }
        if try context.caller().role == .operator {
            throw RPCError(code: .permissionDenied, message: "an approved SKP is revised by the employee's supervisor or an admin, not an operator")
        }
        return try await transition(request, context, right: .supervisor, action: .revise, rpc: "ReviseSKP")
    }

    func approveAllSKP(request: Kinerja_V1_ApproveAllSKPRequest, context: ServerContext) async throws -> Kinerja_V1_ApproveAllSKPResponse {
        let caller = try context.caller()
        let period = try PeriodID.requested(request.periodID, annual: true)
        return try await store.write { db in
            try PeriodStore.requireOpen(db, period, action: "approving SKPs")
            if !request.unitCode.isEmpty {
                _ = try OrganisationStore.requireUnit(db, code: request.unitCode)
            }
            let n = try SKPStore.approveAllSubmitted(
                db, period: period, unit: request.unitCode.isEmpty ? nil : request.unitCode, by: "uid \(caller.credentials.uid)", now: Date())
            try Audit.record(
                db, actor: caller.auditActor, rpc: "ApproveAllSKP", target: period.description,
                summary: "\(n) submitted SKPs approved" + (request.unitCode.isEmpty ? "" : " in \(request.unitCode)"))
            return .with { $0.approved = Int32(n) }
        }
    }

    func transition(
        _ request: Kinerja_V1_SKPRef, _ context: ServerContext, right: Caller.Right, action: SKPAction, rpc: String
    ) async throws -> Kinerja_V1_SKP {
        let caller = try context.caller()
        let period = try PeriodID.requested(request.periodID, annual: true)
        return try await store.write { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            try caller.require(right, employee: e, action: "\(rpc) for \(e.nip)", db: db, now: state.clock.now())
            try PeriodStore.requireOpen(db, period, action: "changing an SKP")
            guard let skp = try SKPStore.load(db, nip: e.nip, period: period) else {
                throw RPCError(code: .notFound, message: "\(e.nip) has no SKP for \(period)")
            }
            if let why = action.periodRefusal(annual: period, state: try PeriodStore.require(db, period).state) {
                throw RPCError(code: .failedPrecondition, message: why)
            }
            let to: SKPStatus
            do throws(SKPTransitionRefusal) {
                to = try skp.status.after(action)
            } catch {
                throw RPCError(
                    code: .failedPrecondition,
                    message: "the SKP of \(e.nip) is \(skp.status.rawValue); \(rpc) needs \(action.from.map(\.rawValue).joined(separator: " or "))")
            }
            let note = to == .returned ? request.note.trimmedBlanks : ""
            try SKPStore.setStatus(
                db, nip: e.nip, period: period, status: to, note: note, by: caller.actorNIP.isEmpty ? "uid \(caller.credentials.uid)" : caller.actorNIP,
                now: Date())
            try Audit.record(
                db, actor: caller.auditActor, rpc: rpc, target: "\(e.nip)/\(period)",
                summary: "\(skp.status.rawValue) → \(to.rawValue)" + (note.isEmpty ? "" : ": \(note)"))
            return Self.message(try SKPStore.load(db, nip: e.nip, period: period)!, employee: e)
        }
    }

    // MARK: monitoring

    func importRealisasi(request: Kinerja_V1_ImportRequest, context: ServerContext) async throws -> Kinerja_V1_ImportReport {
        let caller = try context.caller()
        let step = state.settings.limits.importStepRows
        return try await Blocking.run {
            let logger = state.logger
            let start = ContinuousClock.now
            defer { logger.info("realisasi import timing, whole call", metadata: ["seconds": "\(ContinuousClock.now - start)"]) }
            return try CSVImport.run(store, request.content, dryRun: request.dryRun, reads: ["skp", "rhk", "indicators", "realisasi"]) { db, decoded, pending in
                let clock = ContinuousClock()
                let t0 = clock.now
                let plan = try MonitoringImport.planRealisasi(db, decoded, caller: caller)
                let t1 = clock.now
                defer { logger.info("realisasi import timing", metadata: ["rows": "\(plan.rows)", "validate": "\(t1 - t0)", "write": "\(clock.now - t1)"]) }
                if !plan.errors.isEmpty { return ImportReport.failed(plan.errors, dryRun: request.dryRun, rows: plan.rows) }
                if caller.role == .gateway {
                    // A portal's file is bound by the batas pengisian of each period it files for.
                    for period in Set(plan.writes.map(\.period)).sorted() {
                        try requireFilable(db, caller: caller, nip: caller.actorNIP, period: try PeriodID(period), now: state.clock.now())
                    }
                }
                if !request.dryRun && !plan.writes.isEmpty {
                    let audit = StagedImportStore.StagedAudit(
                        actor: caller.auditActor, rpc: "ImportRealisasi", target: request.fileName,
                        summary: "\(plan.counts.added) added, \(plan.counts.updated) updated, \(plan.counts.unchanged) unchanged")
                    if plan.writes.count > step, let annual = try? PeriodID(plan.writes[0].annual) {
                        pending.stage(.realisasi(plan.writes.map(\.entry), annual: annual, audit: audit, step: step, now: Date()))
                    } else {
                        pending.add(StagedImport.saveRealisasi(plan.writes.lazy.map(\.entry), audit: audit, now: Date()))
                    }
                }
                return ImportReport.succeeded(plan.counts, rows: plan.rows, dryRun: request.dryRun)
            }
        }
    }

    func giveFeedback(request: Kinerja_V1_FeedbackRequest, context: ServerContext) async throws -> Kinerja_V1_FeedbackResponse {
        let caller = try context.caller()
        let period = try PeriodID.requested(request.periodID)
        let text = request.text.trimmedBlanks
        try RequestLimits.text(text, "text")
        guard !text.isEmpty else { throw RPCError(code: .invalidArgument, message: "feedback text is empty") }
        return try await store.write { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            try caller.require(.supervisor, employee: e, action: "give feedback to \(e.nip)", db: db, now: state.clock.now(), period: period)
            try PeriodStore.requireOpen(db, period, action: "giving feedback")
            guard (try SKPStore.rhkIDs(db, period: period.annual)[e.nip] ?? []).contains(request.rhkID) else {
                throw RPCError(code: .notFound, message: "\(e.nip) has no RHK '\(Quote.short(request.rhkID))' in the SKP for \(period.annual)")
            }
            try SKPStore.saveRHKFeedback(db, period: period, nip: e.nip, rhk: request.rhkID, text: text, by: caller.actorNIP, now: Date())
            try Audit.record(db, actor: caller.auditActor, rpc: "GiveFeedback", target: "\(e.nip)/\(period)/\(request.rhkID)", summary: String(text.prefix(80)))
            return Kinerja_V1_FeedbackResponse()
        }
    }

    func importActivities(request: Kinerja_V1_ImportRequest, context: ServerContext) async throws -> Kinerja_V1_ImportReport {
        let caller = try context.caller()
        return try await Blocking.run {
            return try CSVImport.run(store, request.content, dryRun: request.dryRun, reads: ["activities", "skp", "rhk"]) { db, decoded, pending in
                let plan = try MonitoringImport.planActivities(db, decoded, caller: caller)
                if !plan.errors.isEmpty { return ImportReport.failed(plan.errors, dryRun: request.dryRun, rows: plan.rows) }
                if !request.dryRun {
                    pending.add { db in
                        try ActivityStore.save(db, plan.writes, now: Date())
                        try Audit.record(
                            db, actor: caller.auditActor, rpc: "ImportActivities", target: request.fileName,
                            summary: "\(plan.counts.added) added, \(plan.counts.updated) updated")
                    }
                }
                return ImportReport.succeeded(plan.counts, rows: plan.rows, dryRun: request.dryRun)
            }
        }
    }

    func listActivities(request: Kinerja_V1_ListActivitiesRequest, context: ServerContext) async throws -> Kinerja_V1_ListActivitiesResponse {
        let caller = try context.caller()
        _ = try RequestLimits.dateRange(from: request.from, to: request.to)
        return try await store.read { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            try caller.require(.ownOrSupervisor, employee: e, action: "read the activities of \(e.nip)", db: db, now: state.clock.now())
            let rows = try ActivityStore.list(db, nip: e.nip, from: request.from.isEmpty ? nil : request.from, to: request.to.isEmpty ? nil : request.to)
            return .with {
                $0.activities = rows.map(Self.message)
                $0.totalMinutes = rows.reduce(0) { $0 + Int64($1.entry.minutes) }
            }
        }
    }
}
