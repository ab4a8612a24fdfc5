/// A realisasi already stored, as an import compares against it.
public struct StoredRealisasi: Sendable {
    public var period: String
    public var nip: String
    public var rhk: String
    public var indicator: String
    public var value: Double?
    public var text: String
    public var evidence: String
    public var note: String

    public init(period: String, nip: String, rhk: String, indicator: String, value: Double?, text: String, evidence: String, note: String) {
        (self.period, self.nip, self.rhk, self.indicator) = (period, nip, rhk, indicator)
        (self.value, self.text, self.evidence, self.note) = (value, text, evidence, note)
    }
}

/// What a realisasi import reads besides its file: the periods' states, each annual period's SKPs and indicators,
/// and the realisasi already stored. The store implements it over one database snapshot.
public protocol RealisasiImportSource {
    /// The state of `period`; nil when it does not exist.
    func state(of period: PeriodID) throws -> PeriodState?
    /// The SKPs and indicators of an annual period.
    func indicators(of annual: PeriodID) throws -> IndicatorIndex
    /// Calls `visit` with each realisasi stored for `period` against the SKPs of `annual` (only the periods a file
    /// names are read: by December a year holds twelve months of everyone's realisasi).
    func forEachStored(annual: PeriodID, period: PeriodID, _ visit: (StoredRealisasi) throws -> Void) throws
}

/// A realisasi import (`nip,period,rhk_id,indicator_id,value,text,evidence,note`): every row checked against the
/// periods and the approved SKPs, all or nothing; only what changed is written, in key order.
public enum RealisasiImport {
    public static let columns = ["nip", "period", "rhk_id", "indicator_id", "value", "text", "evidence", "note"]
    public static let required = ["nip", "period", "rhk_id", "indicator_id"]

    /// A realisasi to write.
    public struct Write: Sendable {
        /// Position in key order (period text, then NIP, RHK id, indicator id).
        public var order: Int
        public var period: String
        public var annual: String
        public var nip: String
        public var rhk: String
        public var indicator: String
        public var value: Double?
        public var text: String
        public var evidence: String
        public var note: String
    }

    public struct Plan: Sendable {
        public var errors: [RowError] = []
        public var writes: [Write] = []
        public var counts = ImportCounts()
        /// Data rows checked (0 when the header was refused).
        public var rows = 0
    }

    /// A period named in the file (or holding stored realisasi).
    struct PeriodEntry {
        var id: PeriodID
        var text: String
        var state: PeriodState?
        /// Numbers the periods in order of appearance: with an indicator's position, a key for one realisasi.
        var number: Int
    }

    /// One annual period's SKPs, and the realisasi stored against them by key.
    struct AnnualContext {
        var index: IndicatorIndex
        var stored: [Int: (value: Double?, text: String, evidence: String, note: String)] = [:]
        /// The periods (by number) whose stored realisasi are in `stored`.
        var loaded: Set<Int> = []
    }

    /// Checks every row: a known employee (the one a gateway acts for, when `actingFor` is set); an open period
    /// whose annual SKP is approved and has the indicator; a value for a numeric target (a bounded, non-negative
    /// number) or a text for a qualitative one; bounded texts and evidence; each realisasi once.
    public static func plan<Source: RealisasiImportSource>(
        _ table: CSVTable, delimiter: String, isEmployee: (String) -> Bool, actingFor: String?, source: Source
    ) throws -> Plan {
        var plan = Plan()
        let columns = ColumnMap(table: table, known: Self.columns, required: required, errors: &plan.errors)
        if !plan.errors.isEmpty { return plan }
        plan.rows = table.records.count
        plan.writes.reserveCapacity(plan.rows)
        let (nipColumn, periodColumn, rhkColumn, indicatorColumn) = (
            columns.position("nip"), columns.position("period"), columns.position("rhk_id"), columns.position("indicator_id")
        )
        let (valueColumn, textColumn, evidenceColumn, noteColumn) = (
            columns.position("value"), columns.position("text"), columns.position("evidence"), columns.position("note")
        )

        var periods: [String: PeriodEntry] = [:]
        var periodByNumber: [PeriodEntry] = []
        var annuals: [PeriodID: AnnualContext] = [:]
        /// (period number << 32 | indicator position) → the line that filed it.
        var seen: [Int: Int] = [:]
        seen.reserveCapacity(plan.rows)

        /// nil when the text is not a period id.
        func period(_ text: String) throws -> PeriodEntry? {
            if let known = periods[text] { return known }
            guard let id = try? PeriodID(text) else { return nil }
            let entry = PeriodEntry(id: id, text: id.description, state: try source.state(of: id), number: periodByNumber.count)
            periodByNumber.append(entry)
            periods[text] = entry
            if entry.text != text { periods[entry.text] = entry }
            return entry
        }
        /// The annual's SKPs, with what is stored for `p` read the first time a row names it.
        func annual(_ id: PeriodID, for p: PeriodEntry) throws -> AnnualContext {
            if let known = annuals[id], known.loaded.contains(p.number) { return known }
            // Taken out of the dictionary while it grows, so that its storage is not copied.
            var context = try annuals.removeValue(forKey: id) ?? AnnualContext(index: try source.indicators(of: id))
            context.loaded.insert(p.number)
            try source.forEachStored(annual: id, period: p.id) { old in
                guard let slot = context.index.slot(of: old.nip), let k = context.index.entry(slot: slot, rhk: old.rhk, indicator: old.indicator)
                else { return }
                context.stored[p.number << 32 | k] = (old.value, old.text, old.evidence, old.note)
            }
            annuals[id] = context
            return context
        }

        for record in table.records {
            if let e = columns.checkWidth(record, delimiter: delimiter) {
                plan.errors.append(e)
                continue
            }
            func fail(_ column: String?, _ message: String) { plan.errors.append(RowError(line: record.line, column: column, message: message)) }
            let nip = columns.value(at: nipColumn, record) ?? ""
            let periodText = columns.value(at: periodColumn, record) ?? ""
            let rhk = columns.value(at: rhkColumn, record) ?? ""
            let ind = columns.value(at: indicatorColumn, record) ?? ""
            guard isEmployee(nip) else {
                fail("nip", nip.isEmpty ? "NIP is empty" : "unknown employee \(nip)")
                continue
            }
            if let actor = actingFor, actor != nip {
                fail("nip", "a gateway acting for \(actor.isEmpty ? "nobody" : actor) may not file realisasi for \(nip)")
                continue
            }
            guard let p = try period(periodText) else {
                do { _ = try PeriodID(periodText) } catch { fail("period", error.message) }
                continue
            }
            guard let state = p.state else {
                fail("period", "period \(p.id) does not exist")
                continue
            }
            if let refusal = RealisasiRules.periodRefusal(p.id, state: state) {
                fail(refusal.column, refusal.message)
                continue
            }
            let annualID = p.id.annual
            let context = try annual(annualID, for: p)
            guard let slot = context.index.slot(of: nip) else {
                fail("nip", "\(nip) has no SKP for \(annualID)")
                continue
            }
            if let refusal = RealisasiRules.skpRefusal(nip: nip, annual: annualID, status: context.index.statuses[slot]) {
                fail(refusal.column, refusal.message)
                continue
            }
            guard let k = context.index.entry(slot: slot, rhk: rhk, indicator: ind) else {
                fail("indicator_id", "\(nip)'s SKP for \(annualID) has no indicator \(rhk)/\(ind)")
                continue
            }
            let valueText = columns.value(at: valueColumn, record) ?? ""
            let text = columns.value(at: textColumn, record) ?? ""
            let evidenceText = columns.value(at: evidenceColumn, record) ?? ""
            let noteText = columns.value(at: noteColumn, record) ?? ""
            let value: Double?
            let storedText: String
            switch RealisasiRules.content(
                numeric: context.index.entries[k].numeric, rhk: rhk, indicator: ind, valueText: valueText, text: text, evidence: evidenceText, note: noteText)
            {
            case .failure(let refusal):
                fail(refusal.column, refusal.message)
                continue
            case .success(let content):
                (value, storedText) = content
            }
            let key = p.number << 32 | k
            if let first = seen.updateValue(record.line, forKey: key) {
                seen[key] = first
                fail(nil, "realisasi for \(nip) \(rhk)/\(ind) in \(p.id) already appears on line \(first)")
                continue
            }
            let row = Write(
                order: key, period: p.text, annual: annualID.description, nip: context.index.nips[slot], rhk: context.index.entries[k].rhk,
                indicator: context.index.entries[k].indicator, value: value, text: storedText,
                evidence: evidenceText, note: noteText)
            if let old = context.stored[key] {
                if old.value == row.value && old.text == row.text && old.evidence == row.evidence && old.note == row.note {
                    plan.counts.unchanged += 1
                } else {
                    plan.counts.updated += 1
                    plan.writes.append(row)
                }
            } else {
                plan.counts.added += 1
                plan.writes.append(row)
            }
        }
        // Key order for the writes: periods by their text, then the indicator's position (already in key order).
        let rank = periodByNumber.sorted { $0.text.utf8.lexicographicallyPrecedes($1.text.utf8) }.enumerated()
            .reduce(into: [Int](repeating: 0, count: periodByNumber.count)) { $0[$1.element.number] = $1.offset }
        for i in plan.writes.indices {
            let o = plan.writes[i].order
            plan.writes[i].order = rank[o >> 32] << 32 | (o & 0xFFFF_FFFF)
        }
        plan.writes.sort { $0.order < $1.order }
        return plan
    }
}
