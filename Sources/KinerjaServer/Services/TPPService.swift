import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaPluginAPI
import KinerjaPluginHost
import KinerjaScoring
import KinerjaStore
import SwiftProtobuf

/// `kinerja.v1.TPPService`: base amounts, attendance, monthly computation, explanation, lock, payroll export.
struct TPPService: Kinerja_V1_TPPService.SimpleServiceProtocol {
    let state: DaemonState
    var store: Store { state.store }

    static func month(_ text: String) throws -> YearMonth {
        guard let m = YearMonth(text) else {
            throw RPCError(code: .invalidArgument, message: "month '\(Quote.short(text))' must be YYYY-MM, e.g. 2026-03")
        }
        return m
    }

    func importBase(request: Kinerja_V1_ImportRequest, context: ServerContext) async throws -> Kinerja_V1_ImportReport {
        let caller = try context.caller()
        return try await Blocking.run {
            let decoded: CSVDecoding.Decoded
            switch CSVDecoding.decode(request.content) {
            case .failure(let f): return ImportReport.failed(f.errors, dryRun: request.dryRun)
            case .success(let d): decoded = d
            }
            let plan = TPPBaseImport.plan(decoded.table, delimiter: decoded.delimiter)
            if !plan.errors.isEmpty { return ImportReport.failed(plan.errors, dryRun: request.dryRun, rows: plan.recordsChecked) }
            let counts = try store.writeNow { db -> ImportCounts in
                let counts = TPPBaseImport.counts(plan.bases, stored: Dictionary(uniqueKeysWithValues: try OrganisationStore.tppBase(db)))
                if !request.dryRun { try TPPStore.saveBases(db, plan.bases) }
                if !request.dryRun && counts.added + counts.updated > 0 {
                    try TPPInputs.touch(db, .base)
                    try Audit.record(
                        db, actor: caller.auditActor, rpc: "ImportBase", target: request.fileName, summary: "\(counts.added) added, \(counts.updated) updated")
                }
                return counts
            }
            return ImportReport.succeeded(counts, rows: plan.bases.count, dryRun: request.dryRun)
        }
    }

    func importAttendance(request: Kinerja_V1_ImportAttendanceRequest, context: ServerContext) async throws -> Kinerja_V1_ImportReport {
        let caller = try context.caller()
        let month = try Self.month(request.month).description
        return try await Blocking.run {
            return try CSVImport.run(store, request.content, dryRun: request.dryRun, reads: ["attendance", "tpp_months"]) { db, decoded, pending in
                if try TPPStore.isLocked(db, month: month) {
                    throw RPCError(code: .failedPrecondition, message: "TPP for \(month) is locked: attendance cannot change (an admin may `tpp unlock`)")
                }
                let employees = try OrganisationStore.allNIPs(db)
                let plan = AttendanceImport.plan(
                    decoded.table, delimiter: decoded.delimiter, isEmployee: { employees.contains($0) }, stored: try TPPStore.attendance(db, month: month))
                if !plan.errors.isEmpty { return ImportReport.failed(plan.errors, dryRun: request.dryRun, rows: plan.recordsChecked) }
                let counts = plan.counts
                let changes = plan.changes
                if !request.dryRun && !changes.isEmpty {
                    pending.add { db in
                        try TPPStore.saveAttendance(db, month: month, changes)
                        try TPPInputs.touch(db, .attendance(month: month))
                        try Audit.record(
                            db, actor: caller.auditActor, rpc: "ImportAttendance", target: "\(month) \(request.fileName)",
                            summary: "\(counts.added) added, \(counts.updated) updated, \(counts.unchanged) unchanged")
                    }
                }
                return ImportReport.succeeded(counts, rows: plan.rows, dryRun: request.dryRun)
            }
        }
    }

    /// What the host knows of one employee for a month beside the hook's input (which holds the NIP, golongan and kind).
    struct Subject: Sendable {
        var name: String
        var unitCode: String
        var kelasJabatan: Int
        /// nil: no base for the kelas jabatan (blocked before the policy sees them).
        var base: Int64?
        var baseSource: String
    }

    func compute(request: Kinerja_V1_MonthRequest, context: ServerContext) async throws -> Kinerja_V1_ComputeResponse {
        let caller = try context.caller()
        let yearMonth = try Self.month(request.month)
        let month = yearMonth.description
        let policy = try await Blocking.run { try state.policy() }
        // The inputs and the policy's answer are gone before the results are written (for 100,000 employees they are
        // 60 MB that the write's own pages would otherwise be added to).
        let (response, results, fingerprint) = try await computation(yearMonth, policy: policy)
        let snapshot = policy.tpp.snapshot
        return try await store.write { [response, results] db in
            if try TPPStore.isLocked(db, month: month) { throw RPCError(code: .failedPrecondition, message: "TPP for \(month) is locked") }
            try TPPStore.saveComputation(db, month: month, results, policy: snapshot, inputs: fingerprint, now: Date())
            try Audit.record(
                db, actor: caller.auditActor, rpc: "ComputeTPP", target: month,
                summary: "\(response.paid) paid, \(response.blocked) blocked, net \(response.totalNet) (\(response.handledBy))")
            return response
        }
    }

    /// The month's results by the policy: the response, the rows to store, and the fingerprint of what was read.
    private func computation(
        _ yearMonth: YearMonth, policy: Policy
    ) async throws -> (Kinerja_V1_ComputeResponse, [TPPStore.Result], String) {
        let month = yearMonth.description
        // Gather the inputs in one read.
        let (subjects, inputs, gate, fingerprint) = try await store.read { db -> ([Subject], [Kinerja_Plugin_V1_IncentiveInput], String?, String) in
            if try TPPStore.isLocked(db, month: month) {
                throw RPCError(code: .failedPrecondition, message: "TPP for \(month) is locked (an admin may unlock it, with a reason)")
            }
            let periodic = try PeriodStore.children(db, of: PeriodID(year: yearMonth.year, kind: .annual, index: 0)).first {
                $0.id.contains(yearMonth.firstDay)
            }
            // TPP is paid from a predikat only once its period is being assessed or is closed.
            let gate = periodic.flatMap { TPPEligibility.predikatGate(period: $0.id.description, state: $0.state) }
            let bases = Dictionary(uniqueKeysWithValues: try OrganisationStore.tppBase(db))
            // A sanction over a run of months applies to each of them (the highest of it and the month's own).
            let sanctions = try TPPStore.sanctionPercents(db, month: yearMonth)
            let count = try TPPStore.activeStaffCount(db)
            var subjects: [Subject] = []
            var inputs: [Kinerja_Plugin_V1_IncentiveInput] = []
            subjects.reserveCapacity(count)
            inputs.reserveCapacity(count)
            let periodID = periodic?.id.description ?? ""
            let kelasSource = Dictionary(uniqueKeysWithValues: bases.keys.map { ($0, "kelas jabatan \($0)") })
            try TPPStore.forEachComputationInput(
                db, month: month, predikatPeriod: gate == nil ? periodic?.id.description : nil, activityFrom: (yearMonth.firstDay, yearMonth.lastDay)
            ) { row in
                let staff = row.staff
                var subject = Subject(name: staff.name, unitCode: staff.unitCode, kelasJabatan: staff.kelasJabatan, base: nil, baseSource: "")
                if let o = staff.override {
                    subject.base = o
                    subject.baseSource = "employee override"
                } else if let b = bases[staff.kelasJabatan] {
                    subject.base = b
                    subject.baseSource = kelasSource[staff.kelasJabatan] ?? ""
                }
                var input = Kinerja_Plugin_V1_IncentiveInput()
                input.nip = staff.nip
                input.month = month
                input.baseRupiah = subject.base ?? 0
                input.predikat = row.predikat
                input.predikatPeriod = periodID
                var counts = row.attendance ?? .none
                if let s = sanctions[staff.nip] { counts.sanctionPercent = max(counts.sanctionPercent, s) }
                input.attendance = Kinerja_Plugin_V1_Attendance(counts)
                input.cpns = staff.cpns && staff.kind == EmployeeKind.pns.rawValue
                input.golongan = staff.golongan
                input.kind = staff.kind
                input.activityMinutes = row.activityMinutes
                subjects.append(subject)
                inputs.append(input)
            }
            // What this computation saw, read in the same transaction as the inputs themselves.
            let fingerprint = try TPPInputs.fingerprint(db, TPPInputs.keys(month: month, predikatPeriod: periodic?.id.description))
            return (subjects, inputs, gate, fingerprint)
        }
        // Employees blocked before the policy (no base, or the period's predikat is not payable yet) are not sent to it.
        let refusals = subjects.map { TPPEligibility.blockedBeforePolicy(hasBase: $0.base != nil, kelasJabatan: $0.kelasJabatan, predikatGate: gate) }
        var payable: [Kinerja_Plugin_V1_IncentiveInput] = []
        payable.reserveCapacity(inputs.count)
        for (refusal, input) in zip(refusals, inputs) where refusal == nil { payable.append(input) }
        let answer = try await policy.computeIncentive(.with { $0.inputs = payable }, explain: false)
        let handledBy = answer.handledBy
        // The national rules answer in order; a plugin may not, so match by NIP then.
        let returned = answer.response.results
        let inOrder = returned.count == payable.count && zip(returned, payable).allSatisfy { $0.nip == $1.nip }
        let byNIP = inOrder ? [:] : Dictionary(returned.map { ($0.nip, $0) }, uniquingKeysWith: { a, _ in a })
        var response = Kinerja_V1_ComputeResponse()
        response.month = month
        response.handledBy = handledBy
        var next = 0
        var totals = Money.PayTotals()
        var results: [TPPStore.Result] = []
        results.reserveCapacity(subjects.count)
        for ((s, input), refusal) in zip(zip(subjects, inputs), refusals) {
            var r: Kinerja_Plugin_V1_IncentiveResult
            var by = handledBy
            if let refusal {
                r = .with {
                    $0.nip = input.nip
                    $0.blocked = true
                    $0.blockedReason = refusal
                }
                by = "host"
            } else if inOrder {
                r = returned[next]
                next += 1
            } else if let found = byNIP[input.nip] {
                r = found
            } else {
                r = .with {
                    $0.nip = input.nip
                    $0.blocked = true
                    $0.blockedReason = "the \(handledBy) plugin returned no result for this employee"
                }
            }
            var result = TPPStore.Result()
            result.nip = input.nip
            result.name = s.name
            result.unitCode = s.unitCode
            result.golongan = input.golongan
            result.kelasJabatan = s.kelasJabatan
            result.base = s.base ?? 0
            result.baseSource = s.baseSource
            result.predikat = input.predikat
            result.predikatPeriod = input.predikatPeriod
            result.kinerja = r.kinerja
            result.disiplin = r.disiplin
            result.deductionsPercent = r.deductionsPercent
            result.sanctionPercent = Int(input.attendance.sanctionPercent)
            result.gross = r.gross
            result.tax = r.tax
            result.taxPercent = Int(r.taxPercent)
            result.net = r.net
            result.bpjs = r.bpjs
            result.taxBorne = r.taxBorne
            result.cpns = input.cpns
            result.blocked = r.blocked
            result.blockedReason = r.blockedReason
            // One step per line (steps are single lines of text).
            result.steps = r.steps.isEmpty ? "" : r.steps.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n")
            result.handledBy = by
            result.kind = input.kind
            result.attendance = Scoring.attendance(input.attendance).compact
            results.append(result)
            if r.blocked {
                response.blocked += 1
                response.blockedEmployees.append(
                    .with {
                        $0.nip = input.nip
                        $0.name = s.name
                        $0.unitCode = s.unitCode
                        $0.blocked = true
                        $0.blockedReason = r.blockedReason
                    })
            } else {
                response.paid += 1
                do {
                    try totals.add(gross: r.gross, tax: r.tax, net: r.net)
                } catch {
                    throw RPCError(
                        code: .failedPrecondition,
                        message: "TPP totals for \(month) are out of range at \(input.nip) (gross \(r.gross)): check the bases and overrides")
                }
            }
        }
        response.totalGross = totals.gross.value
        response.totalTax = totals.tax.value
        response.totalNet = totals.net.value
        return (response, results, fingerprint)
    }

    /// An unlocked computed month whose inputs changed since it was computed is not exported or shown.
    static func requireCurrent(_ db: GRDB.Database, _ month: String) throws {
        guard let stored = try TPPInputs.stored(db, month: month) else { return }
        if try TPPInputs.changed(db, since: stored.inputs) {
            throw RPCError(code: .failedPrecondition, message: "inputs changed since compute at \(stored.computedAt): run tpp compute again for \(month)")
        }
    }

    static func result(_ r: TPPStore.Result, locked: Bool) -> Kinerja_V1_TPPResult {
        .with {
            $0.nip = r.nip
            $0.name = r.name
            $0.unitCode = r.unitCode
            $0.golongan = r.golongan
            $0.kelasJabatan = Int32(clamping: r.kelasJabatan)
            $0.base = r.base
            $0.baseSource = r.baseSource
            $0.predikat = r.predikat
            $0.predikatPeriod = r.predikatPeriod
            $0.kinerja = r.kinerja
            $0.disiplin = r.disiplin
            $0.deductionsPercent = r.deductionsPercent
            $0.sanctionPercent = Int32(clamping: r.sanctionPercent)
            $0.gross = r.gross
            $0.tax = r.tax
            $0.taxPercent = Int32(clamping: r.taxPercent)
            $0.net = r.net
            $0.blocked = r.blocked
            $0.blockedReason = r.blockedReason
            $0.handledBy = r.handledBy
            $0.locked = locked
            $0.bpjs = r.bpjs
            $0.taxBorne = r.taxBorne
            $0.steps = r.steps.isEmpty ? [] : r.steps.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// The national rules' steps, rebuilt from the inputs the result kept and the numbers in force for the month.
    static func explainNational(_ r: TPPStore.Result, month: String, policy snapshot: String) -> [String] {
        guard let policy = TPPPolicy(snapshot: snapshot), let a = Attendance(compact: r.attendance) else { return [] }
        let input = Kinerja_Plugin_V1_IncentiveInput.with {
            $0.nip = r.nip
            $0.month = month
            $0.baseRupiah = r.base
            $0.predikat = r.predikat
            $0.predikatPeriod = r.predikatPeriod
            $0.golongan = r.golongan
            $0.kind = r.kind
            $0.attendance = Kinerja_Plugin_V1_Attendance(a)
            $0.cpns = r.cpns
        }
        return NationalPolicy.defaultIncentive(input, policy: policy).steps
    }

    func show(request: Kinerja_V1_ShowTPPRequest, context: ServerContext) async throws -> Kinerja_V1_TPPResult {
        let caller = try context.caller()
        let month = try Self.month(request.month).description
        return try await store.read { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            try caller.require(.own, employee: e, action: "see the TPP of \(e.nip)")
            guard let r = try TPPStore.result(db, month: month, nip: e.nip) else {
                throw RPCError(code: .notFound, message: "no TPP computed for \(e.nip) in \(month) (compute it first)")
            }
            let locked = try TPPStore.isLocked(db, month: month)
            if !locked { try Self.requireCurrent(db, month) }
            var result = Self.result(r, locked: locked)
            if result.steps.isEmpty && !result.blocked && result.handledBy == NationalPolicy.id {
                let snapshot = try TPPStore.policySnapshot(db, month: month)
                result.steps = Self.explainNational(r, month: month, policy: snapshot)
            }
            return result
        }
    }

    func lock(request: Kinerja_V1_MonthRequest, context: ServerContext) async throws -> Kinerja_V1_MonthState {
        try await setLock(request.month, true, reason: "", context: context)
    }

    func unlock(request: Kinerja_V1_UnlockRequest, context: ServerContext) async throws -> Kinerja_V1_MonthState {
        try RequestLimits.text(request.reason, "reason")
        guard !request.reason.trimmedBlanks.isEmpty else { throw RPCError(code: .invalidArgument, message: "unlocking needs a reason (it is audited)") }
        return try await setLock(request.month, false, reason: request.reason, context: context)
    }

    func setLock(_ text: String, _ locked: Bool, reason: String, context: ServerContext) async throws -> Kinerja_V1_MonthState {
        let caller = try context.caller()
        let month = try Self.month(text).description
        return try await store.write { db in
            guard let computed = try TPPStore.computedAt(db, month: month) else {
                throw RPCError(code: .failedPrecondition, message: "TPP for \(month) has not been computed")
            }
            if try TPPStore.isLocked(db, month: month) == locked {
                throw RPCError(code: .failedPrecondition, message: "TPP for \(month) is already \(locked ? "locked" : "unlocked")")
            }
            try TPPStore.setLocked(db, month: month, locked, by: "uid \(caller.credentials.uid)", now: Date())
            try Audit.record(
                db, actor: caller.auditActor, rpc: locked ? "LockTPP" : "UnlockTPP", target: month, summary: locked ? "locked" : "unlocked: \(reason)")
            return .with {
                $0.month = month
                $0.locked = locked
                $0.computedAt = computed
            }
        }
    }

    static let exportHeader = [
        "nip", "name", "unit_code", "golongan", "kelas_jabatan", "base", "kinerja", "disiplin", "deductions_percent", "sanction_percent", "gross", "tax", "net",
        "bpjs", "tax_borne",
    ]

    func export(request: Kinerja_V1_MonthRequest, context: ServerContext) async throws -> Kinerja_V1_ExportResponse {
        let month = try Self.month(request.month).description
        return try await store.read { db in
            let locked = try TPPStore.isLocked(db, month: month)
            if !locked { try Self.requireCurrent(db, month) }
            var response = Kinerja_V1_ExportResponse()
            var totals = Money.PayTotals()
            var csv = CSVDecoding.encode(header: Self.exportHeader, rows: [])
            var count = 0
            try TPPStore.forEachResult(db, month: month) { r in
                count += 1
                if r.blocked {
                    response.blocked.append(
                        .with {
                            $0.nip = r.nip
                            $0.name = r.name
                            $0.unitCode = r.unitCode
                            $0.golongan = r.golongan
                            $0.kelasJabatan = Int32(clamping: r.kelasJabatan)
                            $0.blocked = true
                            $0.blockedReason = r.blockedReason
                            $0.handledBy = r.handledBy
                            $0.locked = locked
                        })
                    return
                }
                let text: [String] = [
                    r.nip, r.name, r.unitCode, r.golongan, String(r.kelasJabatan), String(r.base), String(r.kinerja), String(r.disiplin),
                    r.deductionsPercent, String(r.sanctionPercent), String(r.gross), String(r.tax), String(r.net), String(r.bpjs),
                    r.taxBorne ? "true" : "false",
                ]
                CSVDecoding.appendRow(text, to: &csv)
                do {
                    try totals.add(gross: r.gross, tax: r.tax, net: r.net)
                } catch {
                    throw RPCError(
                        code: .failedPrecondition, message: "TPP totals for \(month) are out of range: run tpp compute again after checking the bases")
                }
            }
            response.totalGross = totals.gross.value
            response.totalTax = totals.tax.value
            response.totalNet = totals.net.value
            guard count > 0 else { throw RPCError(code: .notFound, message: "no TPP computed for \(month) (compute it first)") }
            response.csv = csv
            return response
        }
    }

    func setOverride(request: Kinerja_V1_SetOverrideRequest, context: ServerContext) async throws -> Kinerja_V1_TPPOverride {
        let caller = try context.caller()
        let amount: Int64
        if request.clear {
            amount = 0
        } else {
            switch request.baseText.isEmpty ? Rupiah.checkMonthlyBase(request.baseRupiah) : Rupiah.parseMonthlyBase(request.baseText) {
            case .failure(let e): throw RPCError(code: .invalidArgument, message: e.message)
            case .success(let v): amount = v
            }
        }
        try EmployeeLookup.requireWellFormed(request.nip)
        try RequestLimits.text(request.reason, "reason")
        return try await store.write { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            let old = try TPPStore.override(db, nip: e.nip)
            if request.clear && old == nil {
                throw RPCError(code: .failedPrecondition, message: "\(e.nip) has no TPP override to clear")
            }
            let value: Int64? = request.clear ? nil : amount
            try TPPStore.setOverride(db, nip: e.nip, value)
            try TPPInputs.touch(db, .staff)
            let change = "\(old.map(String.init) ?? "none") → \(value.map(String.init) ?? "none")"
            let reason = request.reason.trimmedBlanks
            try Audit.record(db, actor: caller.auditActor, rpc: "SetTPPOverride", target: e.nip, summary: reason.isEmpty ? change : "\(change): \(reason)")
            return .with {
                $0.nip = e.nip
                $0.name = e.name
                $0.unitCode = e.unitCode
                $0.baseRupiah = value ?? 0
                $0.active = value != nil
            }
        }
    }

    func listOverrides(request: Kinerja_V1_ListOverridesRequest, context: ServerContext) async throws -> Kinerja_V1_ListOverridesResponse {
        try await store.read { db in
            let rows = try TPPStore.overrides(db)
            return .with {
                $0.overrides = rows.map { r in
                    .with {
                        $0.nip = r.nip
                        $0.name = r.name
                        $0.unitCode = r.unitCode
                        $0.baseRupiah = r.rupiah
                        $0.active = true
                    }
                }
            }
        }
    }
}
