/// One employee's rating as an import carries it: the two dimensions, the BerAKHLAK aspects given, a note.
public struct RatingEntry: Sendable, Equatable {
    public var nip: String
    public var hasilKerja: Rating
    public var perilakuKerja: Rating
    public var aspects: [BerAKHLAK: Rating]
    public var notes: String

    public init(nip: String, hasilKerja: Rating, perilakuKerja: Rating, aspects: [BerAKHLAK: Rating] = [:], notes: String = "") {
        self.nip = nip
        self.hasilKerja = hasilKerja
        self.perilakuKerja = perilakuKerja
        self.aspects = aspects
        self.notes = notes
    }
}

/// A period's rating import (`nip,hasil_kerja,perilaku_kerja[,notes][,<aspect>…]`): every row checked, all or
/// nothing; only what changed is written.
public enum RatingImport {
    public static let required = ["nip", "hasil_kerja", "perilaku_kerja"]
    public static let columns = required + ["notes"] + BerAKHLAK.allCases.map(\.rawValue)

    public struct Plan: Sendable {
        public var errors: [RowError] = []
        /// The ratings that add or change one, in file order.
        public var changes: [RatingEntry] = []
        public var counts = ImportCounts()
        /// Data rows checked (0 when the header was refused).
        public var recordsChecked = 0
    }

    /// Checks every row (a known employee once; both dimensions and any aspect given as di_atas, sesuai or
    /// di_bawah in any of their spellings; a bounded note), then compares with what is `stored`.
    public static func plan(_ table: CSVTable, delimiter: String, isEmployee: (String) -> Bool, stored: (String) -> RatingEntry?) -> Plan {
        var plan = Plan()
        let map = ColumnMap(table: table, known: columns, required: required, errors: &plan.errors)
        if !plan.errors.isEmpty { return plan }
        plan.recordsChecked = table.records.count
        let aspectColumns = BerAKHLAK.allCases.map(\.rawValue)
        var seen: [String: Int] = [:]
        var entries: [RatingEntry] = []
        for record in table.records {
            if let e = map.checkWidth(record, delimiter: delimiter) {
                plan.errors.append(e)
                continue
            }
            var rowErrors: [RowError] = []
            let nip = map.value("nip", record) ?? ""
            if !isEmployee(nip) {
                rowErrors.append(RowError(line: record.line, column: "nip", message: nip.isEmpty ? "NIP is empty" : "unknown employee \(nip)"))
            }
            if let first = seen[nip] { rowErrors.append(RowError(line: record.line, column: "nip", message: "\(nip) already appears on line \(first)")) }
            seen[nip] = seen[nip] ?? record.line
            var parsed: [String: Rating] = [:]
            for c in ["hasil_kerja", "perilaku_kerja"] + aspectColumns where map.has(c) {
                let text = map.value(c, record) ?? ""
                if text.isEmpty && aspectColumns.contains(c) { continue }
                if let r = Rating(text: text) {
                    parsed[c] = r
                } else {
                    rowErrors.append(RowError(line: record.line, column: c, message: "'\(Quote.short(text))' is not di_atas, sesuai or di_bawah"))
                }
            }
            let notes = map.value("notes", record) ?? ""
            if let why = FieldLimit.text.check(notes) { rowErrors.append(RowError(line: record.line, column: "notes", message: "notes \(why)")) }
            if !rowErrors.isEmpty {
                plan.errors += rowErrors
                continue
            }
            var aspects: [BerAKHLAK: Rating] = [:]
            for a in BerAKHLAK.allCases { if let r = parsed[a.rawValue] { aspects[a] = r } }
            entries.append(RatingEntry(nip: nip, hasilKerja: parsed["hasil_kerja"]!, perilakuKerja: parsed["perilaku_kerja"]!, aspects: aspects, notes: notes))
        }
        if !plan.errors.isEmpty { return plan }
        for entry in entries {
            if let old = stored(entry.nip) {
                if old == entry {
                    plan.counts.unchanged += 1
                    continue
                }
                plan.counts.updated += 1
            } else {
                plan.counts.added += 1
            }
            plan.changes.append(entry)
        }
        return plan
    }
}
