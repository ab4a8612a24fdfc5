/// The TPP base table's import (`kelas_jabatan,base_rupiah`): every row checked, all or nothing.
public enum TPPBaseImport {
    public static let columns = ["kelas_jabatan", "base_rupiah"]

    public struct Plan: Sendable {
        public var errors: [RowError] = []
        /// The bases of the file, in file order (a kelas at most once).
        public var bases: [(kelas: Int, rupiah: Int64)] = []
        /// Data rows checked (0 when the header was refused).
        public var recordsChecked = 0
    }

    /// Checks every row: a kelas 1–17 once, a monthly base in Rupiah (`Rupiah.parseMonthlyBase`).
    public static func plan(_ table: CSVTable, delimiter: String) -> Plan {
        var plan = Plan()
        let map = ColumnMap(table: table, known: columns, required: columns, errors: &plan.errors)
        if !plan.errors.isEmpty { return plan }
        plan.recordsChecked = table.records.count
        var seen: [Int: Int] = [:]
        for record in table.records {
            if let e = map.checkWidth(record, delimiter: delimiter) {
                plan.errors.append(e)
                continue
            }
            let k = map.value("kelas_jabatan", record) ?? ""
            let b = map.value("base_rupiah", record) ?? ""
            guard let kelas = Int(k), (1...17).contains(kelas) else {
                plan.errors.append(RowError(line: record.line, column: "kelas_jabatan", message: "'\(Quote.short(k))' is not a kelas 1–17"))
                continue
            }
            let base: Int64
            switch Rupiah.parseMonthlyBase(b) {
            case .failure(let e):
                plan.errors.append(RowError(line: record.line, column: "base_rupiah", message: e.message))
                continue
            case .success(let v): base = v
            }
            if let first = seen[kelas] {
                plan.errors.append(RowError(line: record.line, column: "kelas_jabatan", message: "kelas \(kelas) already appears on line \(first)"))
                continue
            }
            seen[kelas] = record.line
            plan.bases.append((kelas, base))
        }
        return plan
    }

    /// Added, updated or unchanged against the stored bases.
    public static func counts(_ bases: [(kelas: Int, rupiah: Int64)], stored: [Int: Int64]) -> ImportCounts {
        var counts = ImportCounts()
        for (k, b) in bases {
            if let old = stored[k] { if old == b { counts.unchanged += 1 } else { counts.updated += 1 } } else { counts.added += 1 }
        }
        return counts
    }
}

/// A month's attendance import (`nip,tl1…tl4,psw1…psw4,tk,sanction_percent`): every row checked, all or nothing;
/// only what changed is written.
public enum AttendanceImport {
    public static let columns = ["nip", "tl1", "tl2", "tl3", "tl4", "psw1", "psw2", "psw3", "psw4", "tk", "sanction_percent"]

    public struct Plan: Sendable {
        public var errors: [RowError] = []
        /// What to write: the rows that add or change a month's attendance.
        public var changes: [(nip: String, attendance: Attendance)] = []
        public var counts = ImportCounts()
        /// Data rows checked (0 when the header was refused).
        public var recordsChecked = 0
        /// Rows of the file once all are good.
        public var rows = 0
    }

    /// Checks every row (a known employee once; counts 0–1000, left out or empty meaning 0; a sanction 0 or
    /// 20–100 %), then compares with what is `stored` for the month.
    public static func plan(_ table: CSVTable, delimiter: String, isEmployee: (String) -> Bool, stored: [String: Attendance]) -> Plan {
        var plan = Plan()
        let map = ColumnMap(table: table, known: columns, required: ["nip"], errors: &plan.errors)
        if !plan.errors.isEmpty { return plan }
        plan.recordsChecked = table.records.count
        var rows: [(nip: String, attendance: Attendance)] = []
        var seen: [String: Int] = [:]
        for record in table.records {
            if let e = map.checkWidth(record, delimiter: delimiter) {
                plan.errors.append(e)
                continue
            }
            let nip = map.value("nip", record) ?? ""
            var rowErrors: [RowError] = []
            if !isEmployee(nip) {
                rowErrors.append(RowError(line: record.line, column: "nip", message: nip.isEmpty ? "NIP is empty" : "unknown employee \(nip)"))
            }
            if let first = seen[nip] { rowErrors.append(RowError(line: record.line, column: "nip", message: "\(nip) already appears on line \(first)")) }
            seen[nip] = seen[nip] ?? record.line
            var values: [Int] = []
            for c in columns.dropFirst() {
                let t = map.has(c) ? (map.value(c, record) ?? "") : ""
                guard let v = t.isEmpty ? 0 : Int(t), (0...1_000).contains(v) else {
                    rowErrors.append(RowError(line: record.line, column: c, message: "'\(Quote.short(t))' is not a whole number 0–1000"))
                    continue
                }
                if c == "sanction_percent" && !(v == 0 || (20...100).contains(v)) {
                    rowErrors.append(RowError(line: record.line, column: c, message: "sanction must be 0 or 20–100 (%), found \(v)"))
                }
                values.append(v)
            }
            if rowErrors.isEmpty { rows.append((nip, Attendance(values))) } else { plan.errors += rowErrors }
        }
        if !plan.errors.isEmpty { return plan }
        plan.rows = rows.count
        for (nip, a) in rows {
            if let old = stored[nip] {
                if old == a {
                    plan.counts.unchanged += 1
                    continue
                }
                plan.counts.updated += 1
            } else {
                plan.counts.added += 1
            }
            plan.changes.append((nip, a))
        }
        return plan
    }
}
