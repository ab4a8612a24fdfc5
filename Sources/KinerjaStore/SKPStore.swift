import Foundation
import GRDB
import KinerjaCore

package enum SKPStore {
    /// Status of every SKP of an annual period, by NIP.
    package static func statuses(_ db: Database, period: PeriodID) throws -> [String: SKPStatus] {
        try StagedImportStore.requireSettled(db)
        var out: [String: SKPStatus] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT nip, status FROM skp WHERE period_id = ?"), arguments: [period.description]) {
            out[row[0]] = SKPStatus(rawValue: row[1])
        }
        return out
    }

    /// RHK ids of every SKP of an annual period, by NIP.
    package static func rhkIDs(_ db: Database, period: PeriodID) throws -> [String: Set<String>] {
        try StagedImportStore.requireSettled(db)
        var out: [String: Set<String>] = [:]
        let cursor = try Row.fetchCursor(db, sql: "SELECT nip, rhk_id FROM rhk WHERE period_id = ?", arguments: [period.description])
        while let row = try cursor.next() { out[row[0], default: []].insert(row[1]) }
        return out
    }

    /// The stored RHK that intervene an RHK of one of `supervisors` in `period`: (subordinate NIP, their RHK id,
    /// supervisor NIP, the supervisor's RHK id), in key order.
    package static func interventions(_ db: Database, period: PeriodID, supervisors: Set<String>) throws -> [IntervensiLink] {
        try StagedImportStore.requireSettled(db)
        guard !supervisors.isEmpty else { return [] }
        var out: [IntervensiLink] = []
        let list = Array(supervisors)
        for start in stride(from: 0, to: list.count, by: 500) {
            let chunk = Array(list[start..<min(start + 500, list.count)])
            let cursor = try Row.fetchCursor(
                db,
                sql:
                    "SELECT nip, rhk_id, intervensi_nip, intervensi_rhk FROM rhk WHERE period_id = ? AND intervensi_nip IN (\(databaseQuestionMarks(count: chunk.count)))",
                arguments: StatementArguments([period.description] + chunk))
            while let r = try cursor.next() {
                out.append(IntervensiLink(nip: r[0], rhk: r[1], supervisorNIP: r[2], supervisorRHK: r[3] ?? ""))
            }
        }
        return out.sorted { ($0.nip, $0.rhk) < ($1.nip, $1.rhk) }
    }

    /// Every RHK of an annual period's SKPs by NIP, in their order (an SKP without RHK maps to an empty list).
    package static func cascadeRows(_ db: Database, period: PeriodID) throws -> [String: [CascadeRHK]] {
        try StagedImportStore.requireSettled(db)
        var out: [String: [CascadeRHK]] = [:]
        for nip in try String.fetchAll(db.cachedStatement(sql: "SELECT nip FROM skp WHERE period_id = ?"), arguments: [period.description]) { out[nip] = [] }
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT nip, rhk_id, text, kind, intervensi_nip, intervensi_rhk FROM rhk WHERE period_id = ? ORDER BY nip, position",
            arguments: [period.description])
        while let r = try cursor.next() {
            out[r[0], default: []].append(CascadeRHK(nip: r[0], id: r[1], text: r[2], kind: r[3], intervensiNIP: r[4], intervensiRHK: r[5]))
        }
        return out
    }

    /// A JSON string literal.
    static func jsonString(_ s: String, into out: inout String) {
        out.append("\"")
        for u in s.unicodeScalars {
            switch u {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            default:
                if u.value < 0x20 { out.append(String(format: "\\u%04x", u.value)) } else { out.unicodeScalars.append(u) }
            }
        }
        out.append("\"")
    }

    /// Lampiran as JSON with sorted keys (what `load` decodes).
    static func json(_ l: Lampiran) -> String {
        var out = "{"
        for (i, (key, values)) in [
            ("dukungan_sumber_daya", l.dukunganSumberDaya), ("konsekuensi", l.konsekuensi),
            ("skema_pertanggungjawaban", l.skemaPertanggungjawaban),
        ].enumerated() {
            if i > 0 { out.append(",") }
            jsonString(key, into: &out)
            out.append(":[")
            for (j, v) in values.enumerated() {
                if j > 0 { out.append(",") }
                jsonString(v, into: &out)
            }
            out.append("]")
        }
        out.append("}")
        return out
    }

    static func json(_ perilaku: [BerAKHLAK: String]) -> String {
        var out = "{"
        for (i, key) in perilaku.keys.map(\.rawValue).sorted().enumerated() {
            if i > 0 { out.append(",") }
            jsonString(key, into: &out)
            out.append(":")
            jsonString(perilaku[BerAKHLAK(rawValue: key)!]!, into: &out)
        }
        out.append("}")
        return out
    }

    /// Replaces the SKPs (RHK, indicators, lampiran, perilaku) of the given employees. `existing`: the NIPs that
    /// already have an SKP in the period (only theirs are deleted first). Rows go in in key order (NIP), which keeps
    /// the B-tree inserts local, many rows per statement: a block of SKPs, then their RHK, then their indicators
    /// (each table after the one its foreign key names).
    package static func save(_ db: Database, _ skps: some Collection<SKP>, supervisors: [String: String], existing: Set<String>? = nil, now: Date) throws {
        try StagedImportStore.requireSettled(db)
        try write(db, skps, supervisors: supervisors, existing: existing, now: now, staging: false)
    }

    /// Writes SKPs into the SKP tables, or (`staging`) into their staging copies, which nobody reads but a staged apply.
    static func write(
        _ db: Database, _ skps: some Collection<SKP>, supervisors: [String: String], existing: Set<String>?, now: Date, staging: Bool
    ) throws {
        let time = UTCTime.format(now)
        let suffix = staging ? "_stage" : ""
        let upsert =
            staging
            ? BulkInsert(db, table: "skp_stage", columns: ["period_id", "nip", "status", "return_note", "lampiran", "perilaku", "updated_at"])
            : BulkInsert(
                db, table: "skp", columns: ["period_id", "nip", "status", "return_note", "lampiran", "perilaku", "updated_at"],
                onConflict: """
                    ON CONFLICT(period_id, nip) DO UPDATE SET status = excluded.status, lampiran = excluded.lampiran,
                        perilaku = excluded.perilaku, updated_at = excluded.updated_at
                    """)
        let deleteRHK = staging ? nil : try db.makeStatement(sql: "DELETE FROM rhk WHERE period_id = ? AND nip = ?")
        let insertRHK = BulkInsert(
            db, table: "rhk" + suffix, columns: ["period_id", "nip", "rhk_id", "position", "kind", "text", "intervensi_nip", "intervensi_rhk"], batch: 128)
        let insertIndicator = BulkInsert(
            db, table: "indicators" + suffix,
            columns: ["period_id", "nip", "rhk_id", "indicator_id", "position", "aspect", "text", "target_value", "target_unit", "target_text", "direction"],
            batch: 128)
        let emptyLampiran = json(Lampiran())
        let emptyPerilaku = json([:])
        var periodText: [PeriodID: String] = [:]
        let sorted = skps.sorted { $0.nip < $1.nip }
        for block in stride(from: 0, to: sorted.count, by: 32) {
            let skpsInBlock = sorted[block..<min(sorted.count, block + 32)]
            for s in skpsInBlock {
                let period = periodText[s.period] ?? s.period.description
                periodText[s.period] = period
                upsert.add(period)
                upsert.add(s.nip)
                upsert.add(s.status.rawValue)
                upsert.add("")  // a new SKP has no return note; a replaced one keeps its own
                upsert.add(s.lampiran == Lampiran() ? emptyLampiran : json(s.lampiran))
                upsert.add(s.perilaku.isEmpty ? emptyPerilaku : json(s.perilaku))
                upsert.add(time)
                try upsert.endRow()
                if let deleteRHK, existing?.contains(s.nip) ?? true {
                    deleteRHK.setUncheckedArguments([period, s.nip])
                    try deleteRHK.execute()
                }
            }
            try upsert.flush()
            for s in skpsInBlock {
                let period = periodText[s.period]!
                let supervisor = supervisors[s.nip]
                for (i, r) in s.rhk.enumerated() {
                    insertRHK.add(period)
                    insertRHK.add(s.nip)
                    insertRHK.add(r.id)
                    insertRHK.add(i)
                    insertRHK.add(r.kind.rawValue)
                    insertRHK.add(r.text)
                    insertRHK.add(r.intervensi == nil ? nil : supervisor)
                    insertRHK.add(r.intervensi)
                    try insertRHK.endRow()
                }
            }
            try insertRHK.flush()
            for s in skpsInBlock {
                let period = periodText[s.period]!
                for r in s.rhk {
                    for (j, ind) in r.indicators.enumerated() {
                        insertIndicator.add(period)
                        insertIndicator.add(s.nip)
                        insertIndicator.add(r.id)
                        insertIndicator.add(ind.id)
                        insertIndicator.add(j)
                        insertIndicator.add(ind.aspect.rawValue)
                        insertIndicator.add(ind.text)
                        insertIndicator.add(ind.target)
                        insertIndicator.add(ind.unit)
                        insertIndicator.add(ind.targetText)
                        insertIndicator.add(ind.direction.rawValue)
                        try insertIndicator.endRow()
                    }
                }
            }
            try insertIndicator.flush()
        }
    }

    package static func load(_ db: Database, nip: String, period: PeriodID) throws -> SKP? {
        try StagedImportStore.requireSettled(db)
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT status, return_note, lampiran, perilaku FROM skp WHERE period_id = ? AND nip = ?", arguments: [period.description, nip])
        else { return nil }
        var indicators: [String: [Indicator]] = [:]
        for r in try Row.fetchAll(
            db, sql: "SELECT * FROM indicators WHERE period_id = ? AND nip = ? ORDER BY rhk_id, position", arguments: [period.description, nip])
        {
            indicators[r["rhk_id"], default: []].append(
                Indicator(
                    id: r["indicator_id"], aspect: IndicatorAspect(rawValue: r["aspect"]) ?? .kuantitas, text: r["text"], target: r["target_value"],
                    unit: r["target_unit"], targetText: r["target_text"], direction: Direction(rawValue: r["direction"]) ?? .higherIsBetter))
        }
        let rhk = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM rhk WHERE period_id = ? AND nip = ? ORDER BY position"), arguments: [period.description, nip]
        ).map {
            RHK(
                id: $0["rhk_id"], kind: RHKKind(rawValue: $0["kind"]) ?? .utama, text: $0["text"], intervensi: $0["intervensi_rhk"],
                indicators: indicators[$0["rhk_id"]] ?? [])
        }
        let lampiran = (try? JSONDecoder().decode(Lampiran.self, from: Data((row[2] as String).utf8))) ?? Lampiran()
        let perilakuRaw = (try? JSONDecoder().decode([String: String].self, from: Data((row[3] as String).utf8))) ?? [:]
        var perilaku: [BerAKHLAK: String] = [:]
        for (k, v) in perilakuRaw { if let key = BerAKHLAK(rawValue: k) { perilaku[key] = v } }
        return SKP(
            nip: nip, period: period, status: SKPStatus(rawValue: row[0]) ?? .draft, returnNote: row[1], rhk: rhk, lampiran: lampiran, perilaku: perilaku)
    }

    package static func setStatus(_ db: Database, nip: String, period: PeriodID, status: SKPStatus, note: String, by: String, now: Date) throws {
        try StagedImportStore.requireSettled(db)
        try db.execute(
            sql: "UPDATE skp SET status = ?, return_note = ?, status_by = ?, updated_at = ? WHERE period_id = ? AND nip = ?",
            arguments: [status.rawValue, note, by, UTCTime.format(now), period.description, nip])
    }

    /// Approves every submitted SKP of the period (of `unit`'s employees when given); returns how many.
    package static func approveAllSubmitted(_ db: Database, period: PeriodID, unit: String?, by: String, now: Date) throws -> Int {
        try StagedImportStore.requireSettled(db)
        var sql = "UPDATE skp SET status = 'approved', status_by = ?, updated_at = ? WHERE period_id = ? AND status = 'submitted'"
        var args: [any DatabaseValueConvertible] = [by, UTCTime.format(now), period.description]
        if let unit {
            sql += " AND nip IN (SELECT nip FROM employees WHERE unit_code = ?)"
            args.append(unit)
        }
        try db.execute(sql: sql, arguments: StatementArguments(args))
        return db.changesCount
    }

    /// Sets the supervisor's feedback on one RHK for a period (replacing the earlier one).
    package static func saveRHKFeedback(_ db: Database, period: PeriodID, nip: String, rhk: String, text: String, by: String, now: Date) throws {
        try StagedImportStore.requireSettled(db)
        try db.execute(
            sql: """
                INSERT INTO rhk_feedback(period_id, nip, rhk_id, text, by_nip, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(period_id, nip, rhk_id) DO UPDATE SET text = excluded.text, by_nip = excluded.by_nip, updated_at = excluded.updated_at
                """,
            arguments: [period.description, nip, rhk, text, by, UTCTime.format(now)])
    }

    package struct Summary: Sendable {
        package var nip: String
        package var name: String
        package var unitCode: String
        package var status: SKPStatus
        package var rhkCount: Int
        package var indicatorCount: Int
    }

    package static func list(_ db: Database, period: PeriodID, status: SKPStatus?, unit: String?) throws -> [Summary] {
        try StagedImportStore.requireSettled(db)
        var sql = """
            SELECT s.nip, e.name, e.unit_code, s.status,
                (SELECT count(*) FROM rhk r WHERE r.period_id = s.period_id AND r.nip = s.nip),
                (SELECT count(*) FROM indicators i WHERE i.period_id = s.period_id AND i.nip = s.nip)
            FROM skp s JOIN employees e ON e.nip = s.nip WHERE s.period_id = ?
            """
        var args: [any DatabaseValueConvertible] = [period.description]
        if let status {
            sql += " AND s.status = ?"
            args.append(status.rawValue)
        }
        if let unit {
            sql += " AND e.unit_code = ?"
            args.append(unit)
        }
        sql += " ORDER BY e.unit_code, s.nip"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map {
            Summary(nip: $0[0], name: $0[1], unitCode: $0[2], status: SKPStatus(rawValue: $0[3]) ?? .draft, rhkCount: $0[4], indicatorCount: $0[5])
        }
    }
}

extension SKPStore {
    /// Stages SKPs (a block of them; call again for the next). Nothing anyone reads changes.
    package static func stage(_ db: Database, _ skps: some Collection<SKP>, supervisors: [String: String], now: Date) throws {
        try write(db, skps, supervisors: supervisors, existing: nil, now: now, staging: true)
    }
}
