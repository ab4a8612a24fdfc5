/// One employee's rating as an import carries it: the two dimensions, the BerAKHLAK aspects given, a note.
public struct RatingEntry: Sendable, Equatable {
    public var nip: String
    public var hasilKerja: Rating
    public var perilakuKerja: Rating
    public var aspects: [BerAKHLAK: Rating]
    public var notes: String
    /// Who set the Hasil Kerja when not the rater (a unit head takes the unit's).
    public var hasilBy: HasilSource

    public init(
        nip: String, hasilKerja: Rating, perilakuKerja: Rating, aspects: [BerAKHLAK: Rating] = [:], notes: String = "", hasilBy: HasilSource = .rater
    ) {
        self.nip = nip
        self.hasilBy = hasilBy
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
    /// `hasil`: the Hasil Kerja a row gets from what it gives (nil: the cell is empty), or why not; by default a value
    /// is required and kept as given (a unit head's comes from the unit: `UnitHeadRules.hasil`).
    public static func plan(
        _ table: CSVTable, delimiter: String, isEmployee: (String) -> Bool, stored: (String) -> RatingEntry?,
        hasil: (String, Rating?) throws(ValidationError) -> (Rating, HasilSource) = { nip, given throws(ValidationError) in
            guard let given else { throw ValidationError("hasil_kerja is empty") }
            return (given, .rater)
        }
    ) -> Plan {
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
                if text.isEmpty && (aspectColumns.contains(c) || c == "hasil_kerja") { continue }
                if let r = Rating(text: text) {
                    parsed[c] = r
                } else {
                    rowErrors.append(RowError(line: record.line, column: c, message: "'\(Quote.short(text))' is not di_atas, sesuai or di_bawah"))
                }
            }
            var hasilKerja: (Rating, HasilSource)?
            if isEmployee(nip) && !rowErrors.contains(where: { $0.column == "hasil_kerja" }) {
                do throws(ValidationError) {
                    hasilKerja = try hasil(nip, parsed["hasil_kerja"])
                } catch {
                    rowErrors.append(RowError(line: record.line, column: "hasil_kerja", message: error.message))
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
            entries.append(
                RatingEntry(
                    nip: nip, hasilKerja: hasilKerja!.0, perilakuKerja: parsed["perilaku_kerja"]!, aspects: aspects, notes: notes, hasilBy: hasilKerja!.1))
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
