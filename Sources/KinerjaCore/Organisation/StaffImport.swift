import Foundation

public enum EmployeeImport {
    public static let columns = [
        "nip", "name", "kind", "golongan", "jabatan", "jenis_jabatan", "jabatan_fungsional", "kelas_jabatan",
        "unit_code", "supervisor_nip", "email", "phone", "active", "cpns", "jabatan_since", "effective_date",
    ]
    /// What `employee export` writes (the columns that describe an employee; `effective_date` is about one import).
    public static var exportColumns: [String] { columns.filter { $0 != "effective_date" } }
    public static let required = ["nip", "name", "kind", "golongan", "jenis_jabatan", "kelas_jabatan", "unit_code"]

    public struct Plan: Sendable {
        public var errors: [RowError] = []
        /// Employees to insert or update (new, changed, or deactivated by --deactivate-missing).
        public var writes: [Employee] = []
        public var counts = ImportCounts()
        public var rows = 0
        /// For each written employee whose supervisor, unit or jabatan changed: what they had before, and the day
        /// the change took effect (the row's `effective_date`, else the import's day).
        public var history: [EmployeeChange] = []
    }

    /// Validates every row against the rules and the final state (existing data with the file applied) and
    /// returns either errors (nothing to apply) or the writes. References may point forward in the file.
    public static func plan(
        table: CSVTable, delimiter: String = ",", existing: [String: Employee], units: Set<String>, deactivateMissing: Bool,
        today: CivilDate = CivilDate(year: 2000, month: 1, day: 1)!, lastChange: (String) -> CivilDate? = { _ in nil }
    ) -> Plan {
        var plan = Plan()
        let columns = ColumnMap(table: table, known: columns, required: required, errors: &plan.errors)
        if !plan.errors.isEmpty { return plan }
        plan.rows = table.records.count

        // The valid rows, in file order: `parsed[k]` is on line `parsedLines[k]` (kept apart so that the writes are
        // this array filtered in place, not a copy of it).
        var parsed: [Employee] = []
        var parsedLines: [Int] = []
        parsed.reserveCapacity(table.records.count)
        parsedLines.reserveCapacity(table.records.count)
        var lineOfNIP: [String: Int] = [:]
        lineOfNIP.reserveCapacity(table.records.count)
        var effective: [String: (line: Int, date: CivilDate)] = [:]
        // Jabatan names and supervisors repeat down a staff file: each distinct one is kept once (100,000 employees
        // held 200,000 copies, 13 MB, through the write).
        var shared = SharedStrings()

        for record in table.records {
            if let e = columns.checkWidth(record, delimiter: delimiter) {
                plan.errors.append(e)
                continue
            }
            var rowErrors: [RowError] = []
            func fail(_ column: String, _ message: String) { rowErrors.append(RowError(line: record.line, column: column, message: message)) }
            let rawNIP = columns.value("nip", record) ?? ""
            let previous = existing[rawNIP]

            let kindText = columns.value("kind", record) ?? ""
            let kind = EmployeeKind(text: kindText)
            if kind == nil { fail("kind", "'\(kindText)' is not a kind; use PNS or PPPK") }

            var nip = rawNIP
            if let kind {
                do { nip = try NIP(rawNIP, kind: kind).value } catch { fail("nip", error.message) }
            } else if rawNIP.isEmpty {
                fail("nip", "NIP is empty")
            }
            if !nip.isEmpty, let first = lineOfNIP[nip] {
                fail("nip", "NIP \(nip) already appears on line \(first)")
            }

            let name = columns.value("name", record) ?? ""
            if name.isEmpty { fail("name", "name is empty") }
            if let why = FieldLimit.name.check(name) { fail("name", "name \(why)") }

            var golongan = ""
            if let kind {
                do { golongan = try Golongan.normalize(columns.value("golongan", record) ?? "", kind: kind) } catch { fail("golongan", error.message) }
            }

            let jenisText = (columns.value("jenis_jabatan", record) ?? "").asciiLowercased
            let jenis = JenisJabatan(rawValue: jenisText)
            if jenis == nil {
                fail("jenis_jabatan", "'\(jenisText)' is not a jenis jabatan; use \(JenisJabatan.allCases.map(\.rawValue).joined(separator: ", "))")
            }

            var fungsional: JabatanFungsional? = previous?.jabatanFungsional
            if columns.has("jabatan_fungsional") {
                var text = (columns.value("jabatan_fungsional", record) ?? "").asciiLowercased
                if text.contains(" ") { text = text.replacingOccurrences(of: " ", with: "_") }
                if text.isEmpty {
                    fungsional = nil
                } else if let f = JabatanFungsional(matching: text) {
                    fungsional = f
                } else {
                    fail(
                        "jabatan_fungsional",
                        "'\(Quote.short(text))' is not a jabatan fungsional level; use \(JabatanFungsional.allCases.map(\.rawValue).joined(separator: ", ")) or leave it empty"
                    )
                }
            }
            if jenis == .fungsional && fungsional == nil && columns.has("jabatan_fungsional") {
                fail("jabatan_fungsional", "a fungsional employee needs a jabatan_fungsional level")
            }
            if let jenis, jenis != .fungsional, fungsional != nil {
                fail("jabatan_fungsional", "only jenis_jabatan fungsional has a jabatan_fungsional level (this row is \(jenis.rawValue))")
            }

            let kelasText = columns.value("kelas_jabatan", record) ?? ""
            let kelas = Int(kelasText)
            if kelas == nil || !(1...17).contains(kelas!) {
                fail("kelas_jabatan", "'\(kelasText)' is not a kelas jabatan; use a whole number 1–17")
            }

            let unitText = columns.value("unit_code", record) ?? ""
            if unitText.isEmpty { fail("unit_code", "unit_code is empty") }

            var supervisor: String? = previous?.supervisorNIP
            if columns.has("supervisor_nip") {
                let s = columns.value("supervisor_nip", record) ?? ""
                supervisor = s.isEmpty ? nil : shared.one(s)
            }

            var active = previous?.active ?? true
            if columns.has("active") {
                let text = columns.value("active", record) ?? ""
                if text.isEmpty {
                    active = true
                } else if let flag = parseFlag(text) {
                    active = flag
                } else {
                    fail("active", "'\(Quote.short(text))' is not yes/no; use true or false")
                }
            }

            let email = columns.has("email") ? (columns.value("email", record) ?? "") : (previous?.email ?? "")
            if !email.isEmpty
                && !(email.utf8.lazy.filter { $0 == UInt8(ascii: "@") }.count == 1 && !email.utf8.contains(0x20)
                    && email.utf8.first != UInt8(ascii: "@") && email.utf8.last != UInt8(ascii: "@"))
            {
                fail("email", "'\(Quote.short(email))' is not an e-mail address")
            }
            let phone = columns.has("phone") ? (columns.value("phone", record) ?? "") : (previous?.phone ?? "")
            let jabatan = columns.has("jabatan") ? shared.one(columns.value("jabatan", record) ?? "") : (previous?.jabatan ?? "")
            for (column, value) in [("email", email), ("phone", phone), ("jabatan", jabatan)] {
                if let why = FieldLimit.name.check(value) { fail(column, "\(column) \(why)") }
            }

            var cpns = previous?.cpns ?? false
            if columns.has("cpns") {
                let text = columns.value("cpns", record) ?? ""
                if text.isEmpty {
                    cpns = false
                } else if let flag = parseFlag(text) {
                    cpns = flag
                } else {
                    fail("cpns", "'\(Quote.short(text))' is not yes/no; use true or false")
                }
            }
            if cpns, kind == .pppk { fail("cpns", "only a PNS can be a CPNS (this row is PPPK)") }

            var jabatanSince = previous?.jabatanSince
            if columns.has("jabatan_since") {
                let text = columns.value("jabatan_since", record) ?? ""
                if text.isEmpty {
                    jabatanSince = nil
                } else if let d = CivilDate(iso: text), d <= today {
                    jabatanSince = d
                } else if CivilDate(iso: text) != nil {
                    fail("jabatan_since", "\(text) is after today (\(today))")
                } else {
                    fail("jabatan_since", "'\(Quote.short(text))' is not a date; use YYYY-MM-DD")
                }
            }
            if columns.has("effective_date"), let text = columns.value("effective_date", record), !text.isEmpty {
                if let d = CivilDate(iso: text) {
                    if d > today {
                        fail("effective_date", "\(text) is after today (\(today)): import the change on or after the day it takes effect")
                    } else if let last = lastChange(nip), d < last {
                        fail("effective_date", "\(text) is before the last recorded change of \(nip) (\(last)); changes are recorded in order")
                    } else {
                        effective[nip] = (record.line, d)
                    }
                } else {
                    fail("effective_date", "'\(Quote.short(text))' is not a date; use YYYY-MM-DD")
                }
            }

            if !nip.isEmpty && lineOfNIP[nip] == nil { lineOfNIP[nip] = record.line }
            if !rowErrors.isEmpty {
                plan.errors += rowErrors
                continue
            }
            parsed.append(
                Employee(
                    nip: nip, name: name, kind: kind!, golongan: golongan, jabatan: jabatan, jenisJabatan: jenis!,
                    jabatanFungsional: fungsional, kelasJabatan: kelas!, unitCode: unitText, supervisorNIP: supervisor,
                    email: email, phone: phone, active: active, cpns: cpns, jabatanSince: jabatanSince))
            parsedLines.append(record.line)
        }

        // The final state: what is stored, with the file applied. Looked up rather than copied into a dictionary of
        // its own (for 100,000 employees that copy was the largest thing an import held).
        let deactivatedByFlag: Set<String> =
            deactivateMissing ? Set(existing.lazy.filter { lineOfNIP[$0.key] == nil && $0.value.active }.map(\.key)) : []
        func final(_ nip: String) -> Employee? {
            if let line = lineOfNIP[nip], let k = FileOrder.index(of: line, in: parsedLines) { return parsed[k] }
            guard var e = existing[nip] else { return nil }
            if deactivatedByFlag.contains(nip) { e.active = false }
            return e
        }

        // References, checked on the final state.
        for (line, e) in zip(parsedLines, parsed) {
            if !units.contains(e.unitCode) {
                plan.errors.append(RowError(line: line, column: "unit_code", message: "unknown unit '\(e.unitCode)'"))
            }
            guard let s = e.supervisorNIP else { continue }
            if s == e.nip {
                plan.errors.append(RowError(line: line, column: "supervisor_nip", message: "\(e.nip) cannot supervise themselves"))
            } else if let sup = final(s) {
                if e.active && !sup.active {
                    let how =
                        lineOfNIP[s].map { " (deactivated on line \($0))" }
                        ?? (deactivatedByFlag.contains(s) ? " (deactivated because deactivate_missing is set)" : "")
                    plan.errors.append(RowError(line: line, column: "supervisor_nip", message: "supervisor \(s) is not active\(how)"))
                }
            } else {
                plan.errors.append(RowError(line: line, column: "supervisor_nip", message: "unknown supervisor \(s)"))
            }
        }
        // Employees outside the file whose supervisor the file (or --deactivate-missing) deactivates.
        var orphaned: [String: [String]] = [:]
        for (nip, e) in existing where lineOfNIP[nip] == nil && e.active && !deactivatedByFlag.contains(nip) {
            if let s = e.supervisorNIP, let sup = final(s), !sup.active, existing[s]?.active == true {
                orphaned[s, default: []].append(nip)
            }
        }
        for (s, subordinates) in orphaned.sorted(by: { $0.key < $1.key }) {
            let list = subordinates.sorted().prefix(5).joined(separator: ", ") + (subordinates.count > 5 ? ", …" : "")
            let message = "deactivating \(s) leaves \(subordinates.count) active subordinate(s) without an active supervisor: \(list)"
            if let line = lineOfNIP[s] {
                plan.errors.append(RowError(line: line, column: "active", message: message))
            } else {
                plan.errors.append(RowError(line: 0, message: "deactivate_missing: " + message))
            }
        }
        // Supervisor cycles (A → B → A).
        var everyone = Array(existing.keys)
        everyone += parsed.lazy.map(\.nip).filter { existing[$0] == nil }
        for cycle in ParentGraph.cycles(keys: everyone, parent: { final($0).map(\.supervisorNIP) }) {
            let path = (cycle + [cycle[0]]).joined(separator: " → ")
            for nip in cycle {
                if let line = lineOfNIP[nip] {
                    plan.errors.append(RowError(line: line, column: "supervisor_nip", message: "supervisor cycle \(path)"))
                }
            }
        }
        if !plan.errors.isEmpty {
            plan.errors.sort { ($0.line, $0.column ?? "") < ($1.line, $1.column ?? "") }
            return plan
        }

        // The writes: the parsed rows without the unchanged ones, filtered in place, then those deactivated by the flag.
        var kept = 0
        for k in parsed.indices {
            let e = parsed[k]
            if let old = existing[e.nip] {
                if old == e {
                    plan.counts.unchanged += 1
                    continue
                }
                plan.counts.updated += 1
                if old.active && !e.active { plan.counts.deactivated += 1 }
                if old.supervisorNIP != e.supervisorNIP || old.unitCode != e.unitCode || old.jabatan != e.jabatan {
                    plan.history.append(EmployeeChange(before: old, on: effective[e.nip]?.date ?? today))
                }
            } else {
                plan.counts.added += 1
            }
            if kept != k { parsed[kept] = e }
            kept += 1
        }
        parsed.removeLast(parsed.count - kept)
        for nip in deactivatedByFlag.sorted() {
            plan.counts.deactivated += 1
            parsed.append(final(nip)!)
        }
        plan.writes = parsed
        return plan
    }
}

/// One copy of each distinct string (values that repeat across the rows of a file).
struct SharedStrings {
    private var seen: Set<String> = []

    /// `s`, or the equal string seen before.
    mutating func one(_ s: String) -> String {
        if s.utf8.count <= 15 { return s }  // stored inline: nothing to share
        if let i = seen.firstIndex(of: s) { return seen[i] }
        seen.insert(s)
        return s
    }
}

/// Positions in a list of line numbers in file order (ascending).
enum FileOrder {
    /// The position of `line` in `lines`, by binary search.
    static func index(of line: Int, in lines: [Int]) -> Int? {
        var low = 0
        var high = lines.count
        while low < high {
            let mid = (low + high) / 2
            if lines[mid] < line { low = mid + 1 } else { high = mid }
        }
        return low < lines.count && lines[low] == line ? low : nil
    }
}

/// A change of supervisor, unit or jabatan: the employee as they were before `on`, the day it took effect.
public struct EmployeeChange: Sendable, Equatable {
    public var nip: String
    public var on: CivilDate
    public var supervisorNIP: String?
    public var unitCode: String
    public var jabatan: String

    public init(before e: Employee, on: CivilDate) {
        nip = e.nip
        self.on = on
        supervisorNIP = e.supervisorNIP
        unitCode = e.unitCode
        jabatan = e.jabatan
    }

    public init(nip: String, on: CivilDate, supervisorNIP: String?, unitCode: String, jabatan: String) {
        self.nip = nip
        self.on = on
        self.supervisorNIP = supervisorNIP
        self.unitCode = unitCode
        self.jabatan = jabatan
    }
}

/// Who supervised an employee on a day, from the changes recorded after it.
public enum SupervisorHistory {
    /// `changes` are the employee's recorded changes (any order); the state on `day` is the `before` of the
    /// earliest change that took effect after `day`, else the current one.
    public static func supervisor(on day: CivilDate, current: String?, changes: [EmployeeChange]) -> String? {
        changes.filter { $0.on > day }.min { $0.on < $1.on }.map(\.supervisorNIP) ?? current
    }

    public static func unit(on day: CivilDate, current: String, changes: [EmployeeChange]) -> String {
        changes.filter { $0.on > day }.min { $0.on < $1.on }.map(\.unitCode) ?? current
    }
}

/// Cycles in a "points to its parent" relation (supervisors, parent units).
public enum ParentGraph {
    /// Every cycle, each once, starting at its smallest key.
    public static func cycles<Value>(in nodes: [String: Value], parent: (Value) -> String?) -> [[String]] {
        cycles(keys: nodes.keys, parent: { nodes[$0].map(parent) })
    }

    /// The same over `keys` (each once), where `parent(key)` is nil for a key that is not a node and `.some(nil)`
    /// for a node without a parent.
    public static func cycles(keys: some Sequence<String>, parent: (String) -> String??) -> [[String]] {
        var state: [String: UInt8] = [:]  // 1 visiting, 2 done
        state.reserveCapacity(keys.underestimatedCount)
        var found: [[String]] = []
        for start in keys {
            if state[start] != nil { continue }
            var path: [String] = []
            var current: String? = start
            while let c = current, let node = parent(c) {
                if let s = state[c] {
                    if s == 1, let i = path.firstIndex(of: c) {
                        var cycle = Array(path[i...])
                        let m = cycle.firstIndex(of: cycle.min()!)!
                        cycle = Array(cycle[m...] + cycle[..<m])
                        found.append(cycle)
                    }
                    break
                }
                state[c] = 1
                path.append(c)
                current = node
            }
            for p in path { state[p] = 2 }
        }
        return found.sorted { $0[0] < $1[0] }
    }
}

public enum SupervisorGraph {
    /// Every supervisor cycle, each once, starting at its smallest NIP.
    public static func cycles(in employees: [String: Employee]) -> [[String]] {
        ParentGraph.cycles(in: employees) { $0.supervisorNIP }
    }

    /// The chain of supervisors above `nip`, nearest first (stops at a cycle).
    public static func chain(of nip: String, lookup: (String) -> Employee?) -> [Employee] {
        guard let employee = lookup(nip) else { return [] }
        return chain(above: employee, lookup: lookup)
    }

    /// `chain(of:)` of an employee already read.
    public static func chain(above employee: Employee, lookup: (String) -> Employee?) -> [Employee] {
        var out: [Employee] = []
        var seen: Set<String> = [employee.nip]
        var next = employee.supervisorNIP
        while let s = next, !seen.contains(s), let e = lookup(s) {
            out.append(e)
            seen.insert(s)
            next = e.supervisorNIP
        }
        return out
    }
}

public enum UnitImport {
    public static let columns = ["code", "name", "parent_code", "head_nip"]
    public static let required = ["code", "name"]

    public struct Plan: Sendable {
        public var errors: [RowError] = []
        public var writes: [OrgUnit] = []
        public var counts = ImportCounts()
        public var rows = 0
        /// For each written employee whose supervisor, unit or jabatan changed: what they had before, and the day
        /// the change took effect (the row's `effective_date`, else the import's day).
        public var history: [EmployeeChange] = []
    }

    /// `unitOf` gives the unit of each active employee: a head must belong to the unit or its parent
    /// (`UnitHeadRules`); without it (tests of the file shape) only activity is checked.
    public static func plan(
        table: CSVTable, delimiter: String = ",", existing: [String: OrgUnit], activeEmployees: Set<String>, unitOf: [String: String]? = nil
    ) -> Plan {
        var plan = Plan()
        let columns = ColumnMap(table: table, known: columns, required: required, errors: &plan.errors)
        if !plan.errors.isEmpty { return plan }
        plan.rows = table.records.count
        var parsed: [(line: Int, unit: OrgUnit)] = []
        var lineOf: [String: Int] = [:]
        for record in table.records {
            if let e = columns.checkWidth(record, delimiter: delimiter) {
                plan.errors.append(e)
                continue
            }
            var rowErrors: [RowError] = []
            var code = columns.value("code", record) ?? ""
            do { code = try UnitCode.validate(code) } catch { rowErrors.append(RowError(line: record.line, column: "code", message: error.message)) }
            if let first = lineOf[code] {
                rowErrors.append(RowError(line: record.line, column: "code", message: "unit \(code) already appears on line \(first)"))
            }
            let name = columns.value("name", record) ?? ""
            if name.isEmpty { rowErrors.append(RowError(line: record.line, column: "name", message: "name is empty")) }
            if let why = FieldLimit.name.check(name) { rowErrors.append(RowError(line: record.line, column: "name", message: "name \(why)")) }
            let previous = existing[code]
            var parent = previous?.parentCode
            if columns.has("parent_code") {
                let p = columns.value("parent_code", record) ?? ""
                parent = p.isEmpty ? nil : p
            }
            var head = previous?.headNIP
            if columns.has("head_nip") {
                let h = columns.value("head_nip", record) ?? ""
                head = h.isEmpty ? nil : h
                if let h = head, !activeEmployees.contains(h) {
                    rowErrors.append(RowError(line: record.line, column: "head_nip", message: "head \(h) is not an active employee"))
                }
            }
            if lineOf[code] == nil && !code.isEmpty { lineOf[code] = record.line }
            if rowErrors.isEmpty {
                parsed.append((record.line, OrgUnit(code: code, name: name, parentCode: parent, headNIP: head)))
            } else {
                plan.errors += rowErrors
            }
        }
        var final = existing
        for (_, u) in parsed { final[u.code] = u }
        for (line, u) in parsed {
            guard let p = u.parentCode else { continue }
            if p == u.code {
                plan.errors.append(RowError(line: line, column: "parent_code", message: "unit \(u.code) cannot be its own parent"))
            } else if final[p] == nil {
                plan.errors.append(RowError(line: line, column: "parent_code", message: "unknown parent unit '\(p)'"))
            }
        }
        if let unitOf {
            for (line, u) in parsed {
                guard let h = u.headNIP, let home = unitOf[h] else { continue }
                let parent = final[u.code]?.parentCode
                if home != u.code && home != parent {
                    plan.errors.append(
                        RowError(
                            line: line, column: "head_nip",
                            message: "head \(h) belongs to unit \(home); the head of \(u.code) must belong to \(u.code)"
                                + (parent.map { " or its parent \($0)" } ?? "")))
                }
            }
        }
        for cycle in cycles(in: final) {
            let path = (cycle + [cycle[0]]).joined(separator: " → ")
            for code in cycle {
                if let line = lineOf[code] {
                    plan.errors.append(RowError(line: line, column: "parent_code", message: "unit cycle \(path)"))
                }
            }
        }
        if !plan.errors.isEmpty {
            plan.errors.sort { ($0.line, $0.column ?? "") < ($1.line, $1.column ?? "") }
            return plan
        }
        for (_, u) in parsed {
            if let old = existing[u.code] {
                if old == u {
                    plan.counts.unchanged += 1
                } else {
                    plan.counts.updated += 1
                    plan.writes.append(u)
                }
            } else {
                plan.counts.added += 1
                plan.writes.append(u)
            }
        }
        return plan
    }

    static func cycles(in units: [String: OrgUnit]) -> [[String]] {
        ParentGraph.cycles(in: units) { $0.parentCode }
    }
}
