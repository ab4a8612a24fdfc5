import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaPluginAPI
import KinerjaPluginHost
import KinerjaPluginKit
import KinerjaStore

/// `kinerja.v1.TPPService`: base amounts, attendance, monthly computation, explanation, lock, payroll export.
struct TPPService: Kinerja_V1_TPPService.SimpleServiceProtocol {
    let state: DaemonState
    var store: Store { state.store }

    static func month(_ text: String) throws -> (year: Int, month: Int, text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]), (2000...2100).contains(y), (1...12).contains(m) else {
            throw RPCError(code: .invalidArgument, message: "month '\(Quote.short(text))' must be YYYY-MM, e.g. 2026-03")
        }
        return (y, m, text)
    }

    static func locked(_ db: GRDB.Database, _ month: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT locked FROM tpp_months WHERE month = ?", arguments: [month]) ?? false
    }

    func importBase(request: Kinerja_V1_ImportRequest, context: ServerContext) async throws -> Kinerja_V1_ImportReport {
        let caller = try context.caller()
        return try await Blocking.run {
            let decoded: CSVDecoding.Decoded
            switch CSVDecoding.decode(request.content) {
            case .failure(let f): return OrgService.report(errors: f.errors, dryRun: request.dryRun)
            case .success(let d): decoded = d
            }
            var errors: [RowError] = []
            let columns = ColumnMap(table: decoded.table, known: ["kelas_jabatan", "base_rupiah"], required: ["kelas_jabatan", "base_rupiah"], errors: &errors)
            if !errors.isEmpty { return OrgService.report(errors: errors, dryRun: request.dryRun) }
            var bases: [(Int, Int64)] = []
            var seen: [Int: Int] = [:]
            for record in decoded.table.records {
                if let e = columns.checkWidth(record, delimiter: decoded.delimiter) { errors.append(e); continue }
                let k = columns.value("kelas_jabatan", record) ?? ""
                let b = columns.value("base_rupiah", record) ?? ""
                guard let kelas = Int(k), (1...17).contains(kelas) else { errors.append(RowError(line: record.line, column: "kelas_jabatan", message: "'\(Quote.short(k))' is not a kelas 1–17")); continue }
                let base: Int64
                switch Rupiah.parseMonthlyBase(b) {
                case .failure(let e): errors.append(RowError(line: record.line, column: "base_rupiah", message: e.message)); continue
                case .success(let v): base = v
                }
                if let first = seen[kelas] { errors.append(RowError(line: record.line, column: "kelas_jabatan", message: "kelas \(kelas) already appears on line \(first)")); continue }
                seen[kelas] = record.line
                bases.append((kelas, base))
            }
            if !errors.isEmpty { return OrgService.report(errors: errors, dryRun: request.dryRun, rows: decoded.table.records.count) }
            var counts = ImportCounts()
            try store.pool.write { db in
                let existing = Dictionary(uniqueKeysWithValues: try OrganisationStore.tppBase(db))
                for (k, b) in bases {
                    if let old = existing[k] { if old == b { counts.unchanged += 1 } else { counts.updated += 1 } } else { counts.added += 1 }
                    if !request.dryRun {
                        try db.execute(sql: "INSERT INTO tpp_base(kelas_jabatan, base_rupiah) VALUES (?, ?) ON CONFLICT(kelas_jabatan) DO UPDATE SET base_rupiah = excluded.base_rupiah", arguments: [k, b])
                    }
                }
                if !request.dryRun && counts.added + counts.updated > 0 {
                    try TPPInputs.touch(db, .base)
                    try Audit.record(db, actor: caller.auditActor, rpc: "ImportBase", target: request.fileName, summary: "\(counts.added) added, \(counts.updated) updated")
                }
            }
            return OrgService.report(counts: counts, rows: bases.count, dryRun: request.dryRun)
        }
    }

    static let attendanceColumns = ["nip", "tl1", "tl2", "tl3", "tl4", "psw1", "psw2", "psw3", "psw4", "tk", "sanction_percent"]

    func importAttendance(request: Kinerja_V1_ImportAttendanceRequest, context: ServerContext) async throws -> Kinerja_V1_ImportReport {
        let caller = try context.caller()
        let month = try Self.month(request.month).text
        return try await Blocking.run {
            return try CSVImport.run(store, request.content, dryRun: request.dryRun, reads: ["attendance", "tpp_months"]) { db, decoded, pending in
                if try Self.locked(db, month) {
                    throw RPCError(code: .failedPrecondition, message: "TPP for \(month) is locked: attendance cannot change (an admin may `tpp unlock`)")
                }
                var errors: [RowError] = []
                let columns = ColumnMap(table: decoded.table, known: Self.attendanceColumns, required: ["nip"], errors: &errors)
                if !errors.isEmpty { return OrgService.report(errors: errors, dryRun: request.dryRun) }
                let employees = try OrganisationStore.employeesByNIP(db)
                var rows: [(String, [Int])] = []
                var seen: [String: Int] = [:]
                for record in decoded.table.records {
                    if let e = columns.checkWidth(record, delimiter: decoded.delimiter) { errors.append(e); continue }
                    let nip = columns.value("nip", record) ?? ""
                    var rowErrors: [RowError] = []
                    if employees[nip] == nil { rowErrors.append(RowError(line: record.line, column: "nip", message: nip.isEmpty ? "NIP is empty" : "unknown employee \(nip)")) }
                    if let first = seen[nip] { rowErrors.append(RowError(line: record.line, column: "nip", message: "\(nip) already appears on line \(first)")) }
                    seen[nip] = seen[nip] ?? record.line
                    var values: [Int] = []
                    for c in Self.attendanceColumns.dropFirst() {
                        let t = columns.has(c) ? (columns.value(c, record) ?? "") : ""
                        guard let v = t.isEmpty ? 0 : Int(t), (0...1_000).contains(v) else {
                            rowErrors.append(RowError(line: record.line, column: c, message: "'\(Quote.short(t))' is not a whole number 0–1000"))
                            continue
                        }
                        if c == "sanction_percent" && !(v == 0 || (20...100).contains(v)) {
                            rowErrors.append(RowError(line: record.line, column: c, message: "sanction must be 0 or 20–100 (%), found \(v)"))
                        }
                        values.append(v)
                    }
                    if rowErrors.isEmpty { rows.append((nip, values)) } else { errors += rowErrors }
                }
                if !errors.isEmpty { return OrgService.report(errors: errors, dryRun: request.dryRun, rows: decoded.table.records.count) }
                // Added, updated or unchanged against what is stored for the month; only changes are written.
                var stored: [String: [Int]] = [:]
                let cursor = try Row.fetchCursor(db, sql: "SELECT nip, tl1, tl2, tl3, tl4, psw1, psw2, psw3, psw4, tk, sanction_percent FROM attendance WHERE month = ?", arguments: [month])
                while let r = try cursor.next() { stored[r[0]] = (1...10).map { r[$0] } }
                var counts = ImportCounts()
                var changes: [(String, [Int])] = []
                for (nip, v) in rows {
                    if let old = stored[nip] {
                        if old == v { counts.unchanged += 1; continue }
                        counts.updated += 1
                    } else {
                        counts.added += 1
                    }
                    changes.append((nip, v))
                }
                if !request.dryRun && !changes.isEmpty {
                    pending.add { db in
                        let statement = try db.makeStatement(sql: """
                            INSERT OR REPLACE INTO attendance(month, nip, tl1, tl2, tl3, tl4, psw1, psw2, psw3, psw4, tk, sanction_percent)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """)
                        for (nip, v) in changes {
                            statement.setUncheckedArguments(StatementArguments([month, nip] + v.map { $0 as any DatabaseValueConvertible }))
                            try statement.execute()
                        }
                        try TPPInputs.touch(db, .attendance(month: month))
                        try Audit.record(db, actor: caller.auditActor, rpc: "ImportAttendance", target: "\(month) \(request.fileName)",
                                         summary: "\(counts.added) added, \(counts.updated) updated, \(counts.unchanged) unchanged")
                    }
                }
                return OrgService.report(counts: counts, rows: rows.count, dryRun: request.dryRun)
            }
        }
    }

    /// What the host knows of one employee for a month, beside the hook's input.
    struct Subject {
        var nip: String, name: String, unitCode: String, golongan: String, kelasJabatan: Int, kind: String
        /// -1: no base for the kelas jabatan (blocked before the policy sees them).
        var base: Int64
        var baseSource: String
    }

    func compute(request: Kinerja_V1_MonthRequest, context: ServerContext) async throws -> Kinerja_V1_ComputeResponse {
        let caller = try context.caller()
        let (year, monthNumber, month) = try Self.month(request.month)
        let policy = try await Blocking.run { try state.policy() }
        // Gather the inputs in one read, with narrow queries.
        let (subjects, inputs, gate, fingerprint) = try await Blocking.run { () throws -> ([Subject], [Kinerja_Plugin_V1_IncentiveInput], String?, String) in
            try store.pool.read { db in
                if try Self.locked(db, month) { throw RPCError(code: .failedPrecondition, message: "TPP for \(month) is locked (an admin may unlock it, with a reason)") }
                let first = CivilDate(year: year, month: monthNumber, day: 1)!
                let periodic = try PeriodStore.children(db, of: PeriodID(year: year, kind: .annual, index: 0)).first { $0.id.contains(first) }
                var predikats: [String: String] = [:]
                // TPP is paid from a predikat only once its period is being assessed or is closed.
                let gate = periodic.flatMap { TPPEligibility.predikatGate(period: $0.id.description, state: $0.state) }
                if let periodic, gate == nil {
                    let rows = try Row.fetchCursor(db, sql: "SELECT nip, predikat FROM ratings WHERE period_id = ? AND predikat IS NOT NULL AND predikat != ''", arguments: [periodic.id.description])
                    while let r = try rows.next() { predikats[r[0]] = r[1] }
                }
                let bases = Dictionary(uniqueKeysWithValues: try OrganisationStore.tppBase(db))
                var attendance: [String: Kinerja_Plugin_V1_Attendance] = [:]
                let rows = try Row.fetchCursor(db, sql: "SELECT nip, tl1, tl2, tl3, tl4, psw1, psw2, psw3, psw4, tk, sanction_percent FROM attendance WHERE month = ?", arguments: [month])
                while let r = try rows.next() {
                    var a = Kinerja_Plugin_V1_Attendance()
                    // Read wide and clamped: a count stored before the bounds cannot trap the conversion.
                    func c(_ i: Int) -> Int32 { Int32(clamping: (r[i] as Int64?) ?? 0) }
                    a.tl1 = c(1); a.tl2 = c(2); a.tl3 = c(3); a.tl4 = c(4)
                    a.psw1 = c(5); a.psw2 = c(6); a.psw3 = c(7); a.psw4 = c(8)
                    a.tk = c(9); a.sanctionPercent = c(10)
                    attendance[r[0]] = a
                }
                var minutes: [String: Int64] = [:]
                for r in try Row.fetchAll(db, sql: "SELECT nip, sum(minutes) FROM activities WHERE date >= ? AND date < ? GROUP BY nip",
                                          arguments: [month + "-01", month + "-99"]) {
                    minutes[r[0]] = r[1]
                }
                var subjects: [Subject] = []
                var inputs: [Kinerja_Plugin_V1_IncentiveInput] = []
                let periodID = periodic?.id.description ?? ""
                let employees = try Row.fetchCursor(db, sql: """
                    SELECT nip, name, unit_code, golongan, kelas_jabatan, kind, tpp_override_rupiah FROM employees WHERE active = 1 ORDER BY unit_code, nip
                    """)
                while let r = try employees.next() {
                    let nip: String = r[0]
                    let kelas: Int = r[4]
                    var subject = Subject(nip: nip, name: r[1], unitCode: r[2], golongan: r[3], kelasJabatan: kelas, kind: r[5], base: -1, baseSource: "")
                    if let o: Int64 = r[6] { subject.base = o; subject.baseSource = "employee override" }
                    else if let b = bases[kelas] { subject.base = b; subject.baseSource = "kelas jabatan \(kelas)" }
                    var input = Kinerja_Plugin_V1_IncentiveInput()
                    input.nip = nip
                    input.month = month
                    input.baseRupiah = max(0, subject.base)
                    input.predikat = predikats[nip] ?? ""
                    input.predikatPeriod = periodID
                    input.attendance = attendance[nip] ?? Kinerja_Plugin_V1_Attendance()
                    input.golongan = subject.golongan
                    input.kind = subject.kind
                    input.activityMinutes = minutes[nip] ?? 0
                    subjects.append(subject)
                    inputs.append(input)
                }
                // What this computation saw, read in the same transaction as the inputs themselves.
                let fingerprint = try TPPInputs.fingerprint(db, TPPInputs.keys(month: month, predikatPeriod: periodic?.id.description))
                return (subjects, inputs, gate, fingerprint)
            }
        }
        // Employees without a base are blocked before the policy sees them.
        var payable: [Kinerja_Plugin_V1_IncentiveInput] = []
        payable.reserveCapacity(inputs.count)
        for (s, input) in zip(subjects, inputs) where s.base >= 0 && gate == nil { payable.append(input) }
        let answer = try await PluginErrors.mapping { try await policy.computeIncentive(.with { $0.inputs = payable }, explain: false) }
        let handledBy = answer.handledBy
        // The national rules answer in order; a plugin may not, so match by NIP then.
        let returned = answer.response.results
        let inOrder = returned.count == payable.count && zip(returned, payable).allSatisfy { $0.nip == $1.nip }
        let byNIP = inOrder ? [:] : Dictionary(returned.map { ($0.nip, $0) }, uniquingKeysWith: { a, _ in a })
        let tppPolicy = policy.tpp
        return try await Blocking.run {
            try store.pool.write { db in
                if try Self.locked(db, month) { throw RPCError(code: .failedPrecondition, message: "TPP for \(month) is locked") }
                try db.execute(sql: "DELETE FROM tpp_results WHERE month = ?", arguments: [month])
                let statement = try db.makeStatement(sql: """
                    INSERT INTO tpp_results(month, nip, name, unit_code, golongan, kelas_jabatan, base, base_source, predikat, predikat_period,
                        kinerja, disiplin, deductions_percent, sanction_percent, gross, tax, tax_percent, net, blocked, blocked_reason, steps, handled_by,
                        kind, attendance)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                var response = Kinerja_V1_ComputeResponse()
                response.month = month
                response.handledBy = handledBy
                var next = 0
                var totals = (gross: Money.Total(), tax: Money.Total(), net: Money.Total())
                for (s, input) in zip(subjects, inputs) {
                    var r: Kinerja_Plugin_V1_IncentiveResult
                    var by = handledBy
                    if s.base < 0 {
                        r = .with { $0.nip = s.nip; $0.blocked = true; $0.blockedReason = "no TPP base for kelas jabatan \(s.kelasJabatan) (tpp base import)" }
                        by = "host"
                    } else if let gate {
                        r = .with { $0.nip = s.nip; $0.blocked = true; $0.blockedReason = gate }
                        by = "host"
                    } else if inOrder {
                        r = returned[next]
                        next += 1
                    } else if let found = byNIP[s.nip] {
                        r = found
                    } else {
                        r = .with { $0.nip = s.nip; $0.blocked = true; $0.blockedReason = "the \(handledBy) plugin returned no result for this employee" }
                    }
                    // One step per line (steps are single lines of text).
                    let steps = r.steps.isEmpty ? "" : r.steps.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n")
                    let a = input.attendance
                    let attendance = Scoring.attendance(a).compact
                    statement.setUncheckedArguments([
                        month, s.nip, s.name, s.unitCode, s.golongan, s.kelasJabatan, max(0, s.base), s.baseSource, input.predikat, input.predikatPeriod,
                        r.kinerja, r.disiplin, r.deductionsPercent, a.sanctionPercent, r.gross, r.tax, r.taxPercent, r.net,
                        r.blocked, r.blockedReason, steps, by, s.kind, attendance,
                    ])
                    try statement.execute()
                    if r.blocked {
                        response.blocked += 1
                        response.blockedEmployees.append(.with {
                            $0.nip = s.nip
                            $0.name = s.name
                            $0.unitCode = s.unitCode
                            $0.blocked = true
                            $0.blockedReason = r.blockedReason
                        })
                    } else {
                        response.paid += 1
                        do {
                            try totals.gross.add(r.gross)
                            try totals.tax.add(r.tax)
                            try totals.net.add(r.net)
                        } catch {
                            throw RPCError(code: .failedPrecondition, message: "TPP totals for \(month) are out of range at \(s.nip) (gross \(r.gross)): check the bases and overrides")
                        }
                    }
                }
                response.totalGross = totals.gross.value
                response.totalTax = totals.tax.value
                response.totalNet = totals.net.value
                try db.execute(sql: """
                    INSERT INTO tpp_months(month, computed_at, policy, inputs) VALUES (?, ?, ?, ?)
                    ON CONFLICT(month) DO UPDATE SET computed_at = excluded.computed_at, policy = excluded.policy, inputs = excluded.inputs
                    """, arguments: [month, UTCTime.format(Date()), tppPolicy.snapshot, fingerprint])
                try Audit.record(db, actor: caller.auditActor, rpc: "ComputeTPP", target: month,
                                 summary: "\(response.paid) paid, \(response.blocked) blocked, net \(response.totalNet) (\(handledBy))")
                return response
            }
        }
    }

    /// An unlocked computed month whose inputs changed since it was computed is not exported or shown.
    static func requireCurrent(_ db: GRDB.Database, _ month: String) throws {
        guard let stored = try TPPInputs.stored(db, month: month) else { return }
        if try TPPInputs.changed(db, since: stored.inputs) {
            throw RPCError(code: .failedPrecondition, message: "inputs changed since compute at \(stored.computedAt): run tpp compute again for \(month)")
        }
    }

    static func result(_ r: Row, locked: Bool) -> Kinerja_V1_TPPResult {
        .with {
            $0.nip = r["nip"]; $0.name = r["name"]; $0.unitCode = r["unit_code"]; $0.golongan = r["golongan"]
            $0.kelasJabatan = r["kelas_jabatan"]; $0.base = r["base"]; $0.baseSource = r["base_source"]; $0.predikat = r["predikat"]
            $0.predikatPeriod = r["predikat_period"]; $0.kinerja = r["kinerja"]; $0.disiplin = r["disiplin"]
            $0.deductionsPercent = r["deductions_percent"]; $0.sanctionPercent = r["sanction_percent"]; $0.gross = r["gross"]
            $0.tax = r["tax"]; $0.taxPercent = r["tax_percent"]; $0.net = r["net"]; $0.blocked = r["blocked"]
            $0.blockedReason = r["blocked_reason"]; $0.handledBy = r["handled_by"]; $0.locked = locked
            let text: String = r["steps"]
            $0.steps = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// The national rules' steps, rebuilt from the inputs the result kept and the numbers in force for the month.
    static func explainNational(_ r: Row, month: String, policy snapshot: String) -> [String] {
        guard let policy = TPPPolicy(snapshot: snapshot), let a = Attendance(compact: r["attendance"]) else { return [] }
        let input = Kinerja_Plugin_V1_IncentiveInput.with {
            $0.nip = r["nip"]; $0.month = month; $0.baseRupiah = r["base"]; $0.predikat = r["predikat"]; $0.predikatPeriod = r["predikat_period"]
            $0.golongan = r["golongan"]; $0.kind = r["kind"]
            $0.attendance = .with {
                $0.tl1 = Int32(clamping: a.tl1); $0.tl2 = Int32(clamping: a.tl2); $0.tl3 = Int32(clamping: a.tl3); $0.tl4 = Int32(clamping: a.tl4)
                $0.psw1 = Int32(clamping: a.psw1); $0.psw2 = Int32(clamping: a.psw2); $0.psw3 = Int32(clamping: a.psw3); $0.psw4 = Int32(clamping: a.psw4)
                $0.tk = Int32(clamping: a.tk); $0.sanctionPercent = Int32(clamping: a.sanctionPercent)
            }
        }
        return NationalPolicy.defaultIncentive(input, policy: policy).steps
    }

    func show(request: Kinerja_V1_ShowTPPRequest, context: ServerContext) async throws -> Kinerja_V1_TPPResult {
        let caller = try context.caller()
        let month = try Self.month(request.month).text
        return try await Blocking.run {
            try store.pool.read { db in
                let e = try EmployeeLookup.employee(db, request.nip)
                try SKPService.require(caller, .own, employee: e, action: "see the TPP of \(e.nip)")
                guard let r = try Row.fetchOne(db, sql: "SELECT * FROM tpp_results WHERE month = ? AND nip = ?", arguments: [month, e.nip]) else {
                    throw RPCError(code: .notFound, message: "no TPP computed for \(e.nip) in \(month) (compute it first)")
                }
                let locked = try Self.locked(db, month)
                if !locked { try Self.requireCurrent(db, month) }
                var result = Self.result(r, locked: locked)
                if result.steps.isEmpty && !result.blocked && result.handledBy == NationalPolicy.id {
                    let snapshot = try String.fetchOne(db, sql: "SELECT policy FROM tpp_months WHERE month = ?", arguments: [month]) ?? ""
                    result.steps = Self.explainNational(r, month: month, policy: snapshot)
                }
                return result
            }
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
        let month = try Self.month(text).text
        return try await Blocking.run {
            try store.pool.write { db in
                guard let computed = try String.fetchOne(db, sql: "SELECT computed_at FROM tpp_months WHERE month = ?", arguments: [month]) else {
                    throw RPCError(code: .failedPrecondition, message: "TPP for \(month) has not been computed")
                }
                if try Self.locked(db, month) == locked {
                    throw RPCError(code: .failedPrecondition, message: "TPP for \(month) is already \(locked ? "locked" : "unlocked")")
                }
                try db.execute(sql: "UPDATE tpp_months SET locked = ?, locked_at = ?, locked_by = ? WHERE month = ?",
                               arguments: [locked, UTCTime.format(Date()), "uid \(caller.credentials.uid)", month])
                try Audit.record(db, actor: caller.auditActor, rpc: locked ? "LockTPP" : "UnlockTPP", target: month, summary: locked ? "locked" : "unlocked: \(reason)")
                return .with { $0.month = month; $0.locked = locked; $0.computedAt = computed }
            }
        }
    }

    static let exportHeader = ["nip", "name", "unit_code", "golongan", "kelas_jabatan", "base", "kinerja", "disiplin", "deductions_percent", "sanction_percent", "gross", "tax", "net"]

    func export(request: Kinerja_V1_MonthRequest, context: ServerContext) async throws -> Kinerja_V1_ExportResponse {
        let month = try Self.month(request.month).text
        return try await Blocking.run {
            try store.pool.read { db in
                let locked = try Self.locked(db, month)
                if !locked { try Self.requireCurrent(db, month) }
                var response = Kinerja_V1_ExportResponse()
                var totals = (gross: Money.Total(), tax: Money.Total(), net: Money.Total())
                var csv = CSVDecoding.encode(header: Self.exportHeader, rows: [])
                var count = 0
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT nip, name, unit_code, golongan, kelas_jabatan, base, kinerja, disiplin, deductions_percent, sanction_percent,
                        gross, tax, net, blocked, blocked_reason, handled_by
                    FROM tpp_results WHERE month = ? ORDER BY unit_code, nip
                    """, arguments: [month])
                while let r = try rows.next() {
                    count += 1
                    if r[13] as Bool {
                        response.blocked.append(.with {
                            $0.nip = r[0]; $0.name = r[1]; $0.unitCode = r[2]; $0.golongan = r[3]; $0.kelasJabatan = r[4]
                            $0.blocked = true; $0.blockedReason = r[14]; $0.handledBy = r[15]; $0.locked = locked
                        })
                        continue
                    }
                    let gross: Int64 = r[10], tax: Int64 = r[11], net: Int64 = r[12]
                    let kelas: Int64 = r[4], base: Int64 = r[5], kinerja: Int64 = r[6], disiplin: Int64 = r[7], sanction: Int64 = r[9]
                    let text: [String] = [r[0], r[1], r[2], r[3], String(kelas), String(base), String(kinerja), String(disiplin), r[8], String(sanction),
                                          String(gross), String(tax), String(net)]
                    CSVDecoding.appendRow(text, to: &csv)
                    do {
                        try totals.gross.add(gross)
                        try totals.tax.add(tax)
                        try totals.net.add(net)
                    } catch {
                        throw RPCError(code: .failedPrecondition, message: "TPP totals for \(month) are out of range: run tpp compute again after checking the bases")
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
        return try await Blocking.run {
            try store.pool.write { db in
                let e = try EmployeeLookup.employee(db, request.nip)
                let old = try Int64?.fetchOne(db, sql: "SELECT tpp_override_rupiah FROM employees WHERE nip = ?", arguments: [e.nip]) ?? nil
                if request.clear && old == nil {
                    throw RPCError(code: .failedPrecondition, message: "\(e.nip) has no TPP override to clear")
                }
                let value: Int64? = request.clear ? nil : amount
                try db.execute(sql: "UPDATE employees SET tpp_override_rupiah = ? WHERE nip = ?", arguments: [value, e.nip])
                try TPPInputs.touch(db, .staff)
                let change = "\(old.map(String.init) ?? "none") → \(value.map(String.init) ?? "none")"
                let reason = request.reason.trimmedBlanks
                try Audit.record(db, actor: caller.auditActor, rpc: "SetTPPOverride", target: e.nip, summary: reason.isEmpty ? change : "\(change): \(reason)")
                return .with {
                    $0.nip = e.nip; $0.name = e.name; $0.unitCode = e.unitCode; $0.baseRupiah = value ?? 0; $0.active = value != nil
                }
            }
        }
    }

    func listOverrides(request: Kinerja_V1_ListOverridesRequest, context: ServerContext) async throws -> Kinerja_V1_ListOverridesResponse {
        try await Blocking.run {
            try store.pool.read { db in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT nip, name, unit_code, tpp_override_rupiah FROM employees WHERE tpp_override_rupiah IS NOT NULL ORDER BY unit_code, nip
                    """)
                return .with {
                    $0.overrides = rows.map { r in
                        .with { $0.nip = r[0]; $0.name = r[1]; $0.unitCode = r[2]; $0.baseRupiah = r[3]; $0.active = true }
                    }
                }
            }
        }
    }
}
