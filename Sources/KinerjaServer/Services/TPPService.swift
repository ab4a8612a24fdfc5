import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaPluginAPI
import KinerjaPluginHost
import KinerjaStore

/// `kinerja.v1.TPPService`: base amounts, attendance, monthly computation, explanation, lock, payroll export.
struct TPPService: Kinerja_V1_TPPService.SimpleServiceProtocol {
    let state: DaemonState
    var store: Store { state.store }

    static func month(_ text: String) throws -> (year: Int, month: Int, text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]), (2000...2100).contains(y), (1...12).contains(m) else {
            throw RPCError(code: .invalidArgument, message: "--month '\(text)' must be YYYY-MM, e.g. 2026-03")
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
                let b = (columns.value("base_rupiah", record) ?? "").replacingOccurrences(of: ".", with: "").replacingOccurrences(of: "_", with: "")
                guard let kelas = Int(k), (1...17).contains(kelas) else { errors.append(RowError(line: record.line, column: "kelas_jabatan", message: "'\(k)' is not a kelas 1–17")); continue }
                guard let base = Int64(b), base >= 0 else { errors.append(RowError(line: record.line, column: "base_rupiah", message: "'\(b)' is not a whole number of Rupiah")); continue }
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
                if !request.dryRun {
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
            return try CSVImport.run(store, request.content, dryRun: request.dryRun) { db, decoded in
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
                        guard let v = t.isEmpty ? 0 : Int(t), v >= 0 else {
                            rowErrors.append(RowError(line: record.line, column: c, message: "'\(t)' is not a non-negative whole number"))
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
                var counts = ImportCounts()
                counts.added = rows.count
                if !request.dryRun {
                    let statement = try db.makeStatement(sql: """
                        INSERT OR REPLACE INTO attendance(month, nip, tl1, tl2, tl3, tl4, psw1, psw2, psw3, psw4, tk, sanction_percent)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                    for (nip, v) in rows {
                        statement.setUncheckedArguments(StatementArguments([month, nip] + v.map { $0 as any DatabaseValueConvertible }))
                        try statement.execute()
                    }
                    try Audit.record(db, actor: caller.auditActor, rpc: "ImportAttendance", target: "\(month) \(request.fileName)", summary: "\(rows.count) employees")
                }
                return OrgService.report(counts: counts, rows: rows.count, dryRun: request.dryRun)
            }
        }
    }

    func compute(request: Kinerja_V1_MonthRequest, context: ServerContext) async throws -> Kinerja_V1_ComputeResponse {
        let caller = try context.caller()
        let (year, monthNumber, month) = try Self.month(request.month)
        let policy = try await Blocking.run { try state.policy() }
        // Gather the inputs in one read.
        let (inputs, meta) = try await Blocking.run { () throws -> ([Kinerja_Plugin_V1_IncentiveInput], [String: (Employee, Int64, String)]) in
            try store.pool.read { db in
                if try Self.locked(db, month) { throw RPCError(code: .failedPrecondition, message: "TPP for \(month) is locked (an admin may `tpp unlock --reason`)") }
                let first = CivilDate(year: year, month: monthNumber, day: 1)!
                let periodic = try PeriodStore.children(db, of: PeriodID(year: year, kind: .annual, index: 0)).first { $0.id.contains(first) }
                let ratings = try periodic.map { try AppraisalStore.ratings(db, period: $0.id) } ?? [:]
                let bases = Dictionary(uniqueKeysWithValues: try OrganisationStore.tppBase(db))
                var attendance: [String: Kinerja_Plugin_V1_Attendance] = [:]
                for r in try Row.fetchAll(db, sql: "SELECT * FROM attendance WHERE month = ?", arguments: [month]) {
                    attendance[r["nip"]] = .with {
                        $0.tl1 = r["tl1"]; $0.tl2 = r["tl2"]; $0.tl3 = r["tl3"]; $0.tl4 = r["tl4"]
                        $0.psw1 = r["psw1"]; $0.psw2 = r["psw2"]; $0.psw3 = r["psw3"]; $0.psw4 = r["psw4"]
                        $0.tk = r["tk"]; $0.sanctionPercent = r["sanction_percent"]
                    }
                }
                let overrides = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT nip, tpp_override_rupiah FROM employees WHERE tpp_override_rupiah IS NOT NULL").map { ($0[0] as String, $0[1] as Int64) })
                let minutes = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT nip, sum(minutes) FROM activities WHERE date LIKE ? GROUP BY nip", arguments: [month + "-%"]).map { ($0[0] as String, $0[1] as Int64) })
                var inputs: [Kinerja_Plugin_V1_IncentiveInput] = []
                var meta: [String: (Employee, Int64, String)] = [:]
                for e in try OrganisationStore.employees(db, unit: nil, includeInactive: false) {
                    let base: Int64
                    let source: String
                    if let o = overrides[e.nip] { base = o; source = "employee override" } else if let b = bases[e.kelasJabatan] { base = b; source = "kelas jabatan \(e.kelasJabatan)" } else { base = -1; source = "" }
                    meta[e.nip] = (e, base, source)
                    inputs.append(.with {
                        $0.nip = e.nip
                        $0.month = month
                        $0.baseRupiah = max(0, base)
                        $0.predikat = ratings[e.nip]?.predikat.rawValue ?? ""
                        $0.predikatPeriod = periodic?.id.description ?? ""
                        $0.attendance = attendance[e.nip] ?? Kinerja_Plugin_V1_Attendance()
                        $0.golongan = e.golongan
                        $0.kind = e.kind.rawValue
                        $0.activityMinutes = minutes[e.nip] ?? 0
                    })
                }
                return (inputs, meta)
            }
        }
        // Employees without a base are blocked before the policy sees them.
        let payable = inputs.filter { (meta[$0.nip]?.1 ?? -1) >= 0 }
        let answer = try await PluginErrors.mapping { try await policy.computeIncentive(.with { $0.inputs = payable }) }
        var results = Dictionary(uniqueKeysWithValues: answer.response.results.map { ($0.nip, $0) })
        for input in inputs where (meta[input.nip]?.1 ?? -1) < 0 {
            results[input.nip] = .with {
                $0.nip = input.nip
                $0.blocked = true
                $0.blockedReason = "no TPP base for kelas jabatan \(meta[input.nip]!.0.kelasJabatan) (tpp base import)"
            }
        }
        let handledBy = answer.handledBy
        let finalResults = results
        return try await Blocking.run {
            try store.pool.write { db in
                if try Self.locked(db, month) { throw RPCError(code: .failedPrecondition, message: "TPP for \(month) is locked") }
                try db.execute(sql: "DELETE FROM tpp_results WHERE month = ?", arguments: [month])
                let statement = try db.makeStatement(sql: """
                    INSERT INTO tpp_results(month, nip, name, unit_code, golongan, kelas_jabatan, base, base_source, predikat, predikat_period,
                        kinerja, disiplin, deductions_percent, sanction_percent, gross, tax, tax_percent, net, blocked, blocked_reason, steps, handled_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                var response = Kinerja_V1_ComputeResponse()
                response.month = month
                response.handledBy = handledBy
                for input in inputs {
                    guard let r = finalResults[input.nip], let (e, base, source) = meta[input.nip] else { continue }
                    // One step per line (steps are single lines of text).
                    let steps = r.steps.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n")
                    statement.setUncheckedArguments([
                        month, e.nip, e.name, e.unitCode, e.golongan, e.kelasJabatan, max(0, base), source, input.predikat, input.predikatPeriod,
                        r.kinerja, r.disiplin, r.deductionsPercent, input.attendance.sanctionPercent, r.gross, r.tax, r.taxPercent, r.net,
                        r.blocked, r.blockedReason, steps, r.blocked && base < 0 ? "host" : handledBy,
                    ])
                    try statement.execute()
                    if r.blocked {
                        response.blocked += 1
                        response.blockedEmployees.append(.with {
                            $0.nip = e.nip
                            $0.name = e.name
                            $0.unitCode = e.unitCode
                            $0.blocked = true
                            $0.blockedReason = r.blockedReason
                        })
                    } else {
                        response.paid += 1
                        response.totalGross += r.gross
                        response.totalTax += r.tax
                        response.totalNet += r.net
                    }
                }
                try db.execute(sql: "INSERT INTO tpp_months(month, computed_at) VALUES (?, ?) ON CONFLICT(month) DO UPDATE SET computed_at = excluded.computed_at",
                               arguments: [month, UTCTime.format(Date())])
                try Audit.record(db, actor: caller.auditActor, rpc: "ComputeTPP", target: month,
                                 summary: "\(response.paid) paid, \(response.blocked) blocked, net \(response.totalNet) (\(handledBy))")
                return response
            }
        }
    }

    static func result(_ r: Row, locked: Bool, withSteps: Bool = true) -> Kinerja_V1_TPPResult {
        .with {
            $0.nip = r["nip"]; $0.name = r["name"]; $0.unitCode = r["unit_code"]; $0.golongan = r["golongan"]
            $0.kelasJabatan = r["kelas_jabatan"]; $0.base = r["base"]; $0.baseSource = r["base_source"]; $0.predikat = r["predikat"]
            $0.predikatPeriod = r["predikat_period"]; $0.kinerja = r["kinerja"]; $0.disiplin = r["disiplin"]
            $0.deductionsPercent = r["deductions_percent"]; $0.sanctionPercent = r["sanction_percent"]; $0.gross = r["gross"]
            $0.tax = r["tax"]; $0.taxPercent = r["tax_percent"]; $0.net = r["net"]; $0.blocked = r["blocked"]
            $0.blockedReason = r["blocked_reason"]; $0.handledBy = r["handled_by"]; $0.locked = locked
            if withSteps {
                let text: String = r["steps"]
                $0.steps = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            }
        }
    }

    func show(request: Kinerja_V1_ShowTPPRequest, context: ServerContext) async throws -> Kinerja_V1_TPPResult {
        let caller = try context.caller()
        let month = try Self.month(request.month).text
        return try await Blocking.run {
            try store.pool.read { db in
                guard let e = try OrganisationStore.employee(db, nip: request.nip) else { throw RPCError(code: .notFound, message: "employee \(request.nip) does not exist") }
                try SKPService.require(caller, .own, employee: e, action: "see the TPP of \(e.nip)")
                guard let r = try Row.fetchOne(db, sql: "SELECT * FROM tpp_results WHERE month = ? AND nip = ?", arguments: [month, e.nip]) else {
                    throw RPCError(code: .notFound, message: "no TPP computed for \(e.nip) in \(month) (tpp compute --month \(month))")
                }
                return Self.result(r, locked: try Self.locked(db, month))
            }
        }
    }

    func lock(request: Kinerja_V1_MonthRequest, context: ServerContext) async throws -> Kinerja_V1_MonthState {
        try await setLock(request.month, true, reason: "", context: context)
    }

    func unlock(request: Kinerja_V1_UnlockRequest, context: ServerContext) async throws -> Kinerja_V1_MonthState {
        guard !request.reason.trimmedBlanks.isEmpty else { throw RPCError(code: .invalidArgument, message: "unlocking needs --reason TEXT (it is audited)") }
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

    func export(request: Kinerja_V1_MonthRequest, context: ServerContext) async throws -> Kinerja_V1_ExportResponse {
        let month = try Self.month(request.month).text
        return try await Blocking.run {
            try store.pool.read { db in
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM tpp_results WHERE month = ? ORDER BY unit_code, nip", arguments: [month])
                guard !rows.isEmpty else { throw RPCError(code: .notFound, message: "no TPP computed for \(month) (tpp compute --month \(month))") }
                let locked = try Self.locked(db, month)
                var response = Kinerja_V1_ExportResponse()
                var csv: [[String]] = []
                for r in rows {
                    let x = Self.result(r, locked: locked, withSteps: false)
                    if x.blocked { response.blocked.append(x); continue }
                    csv.append([x.nip, x.name, x.unitCode, x.golongan, "\(x.kelasJabatan)", "\(x.base)", "\(x.kinerja)", "\(x.disiplin)",
                                x.deductionsPercent, "\(x.sanctionPercent)", "\(x.gross)", "\(x.tax)", "\(x.net)"])
                    response.totalGross += x.gross
                    response.totalTax += x.tax
                    response.totalNet += x.net
                }
                response.csv = CSVDecoding.encode(
                    header: ["nip", "name", "unit_code", "golongan", "kelas_jabatan", "base", "kinerja", "disiplin", "deductions_percent", "sanction_percent", "gross", "tax", "net"],
                    rows: csv)
                return response
            }
        }
    }
}
