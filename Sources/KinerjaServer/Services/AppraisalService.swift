import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

/// `kinerja.v1.AppraisalService`: ratings → predikat, 360° feedback, unit predicates, the curve, credits.
struct AppraisalService: Kinerja_V1_AppraisalService.SimpleServiceProtocol {
    let state: DaemonState
    var store: Store { state.store }

    static func rating(_ text: String, _ name: String) throws -> Rating {
        guard let r = Rating(text: text) else {
            throw RPCError(code: .invalidArgument, message: "\(name) '\(Quote.short(text))' must be di_atas, sesuai or di_bawah")
        }
        return r
    }

    static func aspects(_ map: [String: String]) throws -> [BerAKHLAK: Rating] {
        var out: [BerAKHLAK: Rating] = [:]
        for (k, v) in map {
            guard let a = BerAKHLAK(matching: k) else {
                throw RPCError(
                    code: .invalidArgument,
                    message: "'\(Quote.short(k))' is not a BerAKHLAK aspect (\(BerAKHLAK.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            out[a] = try rating(v, k)
        }
        return out
    }

    static func row(_ e: Employee, _ r: RatingRecord?) -> Kinerja_V1_AppraisalRow {
        .with {
            $0.nip = e.nip
            $0.name = e.name
            $0.unitCode = e.unitCode
            if let r {
                $0.hasilKerja = r.hasilKerja.rawValue
                $0.perilakuKerja = r.perilakuKerja.rawValue
                $0.predikat = r.predikat.rawValue
                $0.aspects = Dictionary(uniqueKeysWithValues: r.aspects.map { ($0.key.rawValue, $0.value.rawValue) })
                $0.ratedBy = r.ratedBy
                $0.hasilBy = r.hasilBy.stored
            }
        }
    }

    /// A period that accepts ratings now (running or in assessment).
    func ratablePeriod(_ db: GRDB.Database, _ text: String) throws -> PeriodID {
        let id = try PeriodID.requested(text)
        try PeriodStore.requireRatable(db, id)
        return id
    }

    func openPeriod(_ db: GRDB.Database, _ text: String, action: String) throws -> PeriodID {
        let id = try PeriodID.requested(text)
        try PeriodStore.requireOpen(db, id, action: action)
        return id
    }

    func setRating(request: Kinerja_V1_SetRatingRequest, context: ServerContext) async throws -> Kinerja_V1_AppraisalRow {
        let caller = try context.caller()
        let requested = request.hasilKerja.isEmpty ? nil : try Self.rating(request.hasilKerja, "hasil_kerja")
        let perilaku = try Self.rating(request.perilakuKerja, "perilaku_kerja")
        let aspects = try Self.aspects(request.aspects)
        try RequestLimits.text(request.notes, "notes")
        try RequestLimits.text(request.reason, "reason")
        let mapping = state.settings.appraisal.unitHead
        let now = state.clock.now()
        return try await store.write { db in
            let period = try ratablePeriod(db, request.periodID)
            let e = try EmployeeLookup.employee(db, request.nip)
            try caller.require(.supervisor, employee: e, action: "rate \(e.nip)", db: db, now: now, period: period)
            let rater = caller.recordName
            let stored = try AppraisalStore.rating(db, period: period, nip: e.nip)
            let (hasil, source) = try Self.hasilKerja(
                db, period: period, nip: e.nip, requested: requested, stored: stored, mapping: mapping,
                override: request.override ? (rater, request.reason) : nil)
            let record = RatingRecord(
                nip: e.nip, hasilKerja: hasil, perilakuKerja: perilaku, aspects: aspects, notes: request.notes, ratedBy: rater, hasilBy: source)
            try AppraisalStore.save(db, period: period, [record], now: Date())
            try Audit.record(
                db, actor: caller.auditActor, rpc: "SetRating", target: "\(e.nip)/\(period)",
                summary: "\(hasil.rawValue)/\(perilaku.rawValue) → \(record.predikat.rawValue)"
                    + (source == .rater ? "" : " (hasil kerja: \(source.stored))"))
            return Self.row(e, record)
        }
    }

    /// The Hasil Kerja a rating of `nip` gets: a unit head's is the unit's (`UnitHeadRules.hasil`).
    static func hasilKerja(
        _ db: GRDB.Database, period: PeriodID, nip: String, requested: Rating?, stored: RatingRecord?, mapping: UnitHeadMapping,
        override: (who: String, reason: String)?
    ) throws -> (Rating, HasilSource) {
        let unit = try AppraisalStore.headUnit(db, period: period, nip: nip).map {
            UnitResult(unitCode: $0.unit, predikat: $0.predikat, hasil: mapping.hasilKerja($0.predikat))
        }
        do {
            return try UnitHeadRules.hasil(
                requested: requested, unit: unit, stored: stored.map { ($0.hasilKerja, $0.hasilBy) }, override: override, subject: "\(nip) in \(period)")
        } catch {
            throw RPCError(code: requested == nil && unit == nil ? .invalidArgument : .failedPrecondition, message: error.message)
        }
    }

    func importRatings(request: Kinerja_V1_ImportRatingsRequest, context: ServerContext) async throws -> Kinerja_V1_ImportReport {
        let caller = try context.caller()
        return try await Blocking.run {
            return try CSVImport.run(store, request.content, dryRun: request.dryRun, reads: ["ratings"]) { db, decoded, pending in
                let period = try ratablePeriod(db, request.periodID)
                let employees = try OrganisationStore.allNIPs(db)
                let existing = try AppraisalStore.ratings(db, period: period)
                let mapping = state.settings.appraisal.unitHead
                let heads = try AppraisalStore.headUnits(db, period: period).mapValues {
                    UnitResult(unitCode: $0.unit, predikat: $0.predikat, hasil: mapping.hasilKerja($0.predikat))
                }
                let plan = RatingImport.plan(
                    decoded.table, delimiter: decoded.delimiter, isEmployee: employees.contains,
                    stored: { nip in
                        existing[nip].map {
                            RatingEntry(
                                nip: $0.nip, hasilKerja: $0.hasilKerja, perilakuKerja: $0.perilakuKerja, aspects: $0.aspects, notes: $0.notes,
                                hasilBy: $0.hasilBy)
                        }
                    },
                    hasil: { nip, given throws(ValidationError) in
                        try UnitHeadRules.hasil(
                            requested: given, unit: heads[nip], stored: existing[nip].map { ($0.hasilKerja, $0.hasilBy) }, override: nil,
                            subject: "\(nip) in \(period)")
                    })
                if !plan.errors.isEmpty { return ImportReport.failed(plan.errors, dryRun: request.dryRun, rows: plan.recordsChecked) }
                let counts = plan.counts
                let ratedBy = "import uid \(caller.credentials.uid)"
                let writes = plan.changes.map {
                    RatingRecord(
                        nip: $0.nip, hasilKerja: $0.hasilKerja, perilakuKerja: $0.perilakuKerja, aspects: $0.aspects, notes: $0.notes, ratedBy: ratedBy,
                        hasilBy: $0.hasilBy)
                }
                if !request.dryRun && !writes.isEmpty {
                    pending.add { db in
                        try AppraisalStore.save(db, period: period, writes, now: Date())
                        try Audit.record(
                            db, actor: caller.auditActor, rpc: "ImportRatings", target: "\(period) \(request.fileName)",
                            summary: "\(counts.added) added, \(counts.updated) updated, \(counts.unchanged) unchanged")
                    }
                }
                return ImportReport.succeeded(counts, rows: decoded.table.records.count, dryRun: request.dryRun)
            }
        }
    }

    func importFeedback(request: Kinerja_V1_ImportRatingsRequest, context: ServerContext) async throws -> Kinerja_V1_ImportReport {
        let caller = try context.caller()
        return try await Blocking.run {
            return try CSVImport.run(store, request.content, dryRun: request.dryRun, reads: ["feedback360"]) { db, decoded, pending in
                let period = try openPeriod(db, request.periodID, action: "importing feedback")
                var errors: [RowError] = []
                let aspectColumns = BerAKHLAK.allCases.map(\.rawValue)
                let columns = ColumnMap(
                    table: decoded.table, known: ["nip", "source", "rating", "rater", "comment"] + aspectColumns,
                    required: ["nip", "source", "rating", "rater"], errors: &errors)
                if !errors.isEmpty { return ImportReport.failed(errors, dryRun: request.dryRun) }
                let employees = try OrganisationStore.employeesByNIP(db)
                var taken = try AppraisalStore.feedbackRaters(db, period: period)
                var entries: [(nip: String, source: String, rating: Rating, aspects: [BerAKHLAK: Rating], comment: String, rater: String)] = []
                for record in decoded.table.records {
                    if let e = columns.checkWidth(record, delimiter: decoded.delimiter) {
                        errors.append(e)
                        continue
                    }
                    func fail(_ c: String, _ m: String) { errors.append(RowError(line: record.line, column: c, message: m)) }
                    let nip = columns.value("nip", record) ?? ""
                    guard employees[nip] != nil else {
                        fail("nip", nip.isEmpty ? "NIP is empty" : "unknown employee \(nip)")
                        continue
                    }
                    let source = (columns.value("source", record) ?? "").asciiLowercased
                    guard ["atasan", "rekan", "bawahan", "masyarakat"].contains(source) else {
                        fail("source", "'\(source)' is not atasan, rekan, bawahan or masyarakat")
                        continue
                    }
                    let ratingText = columns.value("rating", record) ?? ""
                    guard let rating = Rating(text: ratingText) else {
                        fail("rating", "'\(ratingText)' is not di_atas, sesuai or di_bawah")
                        continue
                    }
                    let rater = columns.value("rater", record) ?? ""
                    guard !rater.isEmpty else {
                        fail("rater", "rater reference is empty (kept only to refuse duplicates)")
                        continue
                    }
                    if rater == nip && source != "atasan" {
                        fail("rater", "an employee does not give feedback on themselves")
                        continue
                    }
                    var aspects: [BerAKHLAK: Rating] = [:]
                    var bad = false
                    for a in BerAKHLAK.allCases where columns.has(a.rawValue) {
                        let t = columns.value(a.rawValue, record) ?? ""
                        if t.isEmpty { continue }
                        if let r = Rating(text: t) {
                            aspects[a] = r
                        } else {
                            fail(a.rawValue, "'\(Quote.short(t))' is not di_atas, sesuai or di_bawah")
                            bad = true
                        }
                    }
                    if bad { continue }
                    if let why = FieldLimit.text.check(columns.value("comment", record) ?? "") {
                        fail("comment", "comment \(why)")
                        continue
                    }
                    if let why = FieldLimit.name.check(rater) {
                        fail("rater", "rater \(why)")
                        continue
                    }
                    let key = "\(nip)|\(source)|\(rater)"
                    guard taken.insert(key).inserted else {
                        fail("rater", "this rater already gave \(source) feedback on \(nip) for \(period)")
                        continue
                    }
                    entries.append((nip, source, rating, aspects, columns.value("comment", record) ?? "", rater))
                }
                if !errors.isEmpty { return ImportReport.failed(errors, dryRun: request.dryRun, rows: decoded.table.records.count) }
                var counts = ImportCounts()
                counts.added = entries.count
                if !request.dryRun && !entries.isEmpty {
                    pending.add { db in
                        try AppraisalStore.saveFeedback(db, period: period, entries, now: Date())
                        try Audit.record(
                            db, actor: caller.auditActor, rpc: "ImportFeedback", target: "\(period) \(request.fileName)", summary: "\(entries.count) entries")
                    }
                }
                return ImportReport.succeeded(counts, rows: decoded.table.records.count, dryRun: request.dryRun)
            }
        }
    }

    func listFeedback(request: Kinerja_V1_ListFeedbackRequest, context: ServerContext) async throws -> Kinerja_V1_ListFeedbackResponse {
        let period = try PeriodID.requested(request.periodID)
        return try await store.read { db in
            _ = try PeriodStore.require(db, period)
            let names = Dictionary(uniqueKeysWithValues: try OrganisationStore.briefs(db, unit: nil).map { ($0.nip, $0.name) })
            let entries = try AppraisalStore.allFeedback(db, period: period, nip: request.nip.isEmpty ? nil : request.nip)
            var response = Kinerja_V1_ListFeedbackResponse()
            var byNIP: [String: [(source: String, rating: Rating)]] = [:]
            for (nip, e) in entries {
                response.entries.append(
                    .with {
                        $0.nip = nip
                        $0.name = names[nip] ?? ""
                        $0.source = e.source
                        $0.rating = e.rating.rawValue
                        $0.aspects = Dictionary(uniqueKeysWithValues: e.aspects.map { ($0.key.rawValue, $0.value.rawValue) })
                        $0.comment = e.comment
                    })
                byNIP[nip, default: []].append((e.source, e.rating))
            }
            response.summaries = byNIP.keys.sorted().map { nip in
                .with {
                    $0.nip = nip
                    $0.name = names[nip] ?? ""
                    $0.entries = Int32(byNIP[nip]!.count)
                    $0.meanBySource = FeedbackMeans.bySource(byNIP[nip]!).mapValues(AngkaKredit.text)
                }
            }
            return response
        }
    }

    func suggestRating(request: Kinerja_V1_SuggestRatingRequest, context: ServerContext) async throws -> Kinerja_V1_SuggestRatingResponse {
        let annual = try PeriodID.requested(request.periodID, annual: true)
        return try await store.read { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            let children = try PeriodStore.children(db, of: annual)
            guard !children.isEmpty else { throw RPCError(code: .failedPrecondition, message: "\(annual) has no periodic periods to suggest from") }
            var rows: [Kinerja_V1_AppraisalRow] = []
            var periods: [String] = []
            var hasil: [Rating] = []
            var perilaku: [Rating] = []
            for child in children {
                if let r = try AppraisalStore.ratings(db, period: child.id)[e.nip] {
                    rows.append(Self.row(e, r))
                    periods.append(child.id.description)
                    hasil.append(r.hasilKerja)
                    perilaku.append(r.perilakuKerja)
                }
            }
            guard let h = RatingSuggestion.suggest(hasil), let p = RatingSuggestion.suggest(perilaku) else {
                throw RPCError(code: .failedPrecondition, message: "\(e.nip) has no periodic ratings in \(annual)")
            }
            return .with {
                $0.hasilKerja = h.rawValue
                $0.perilakuKerja = p.rawValue
                $0.predikat = Predikat.from(hasilKerja: h, perilakuKerja: p).rawValue
                $0.periodic = rows
                $0.periods = periods
            }
        }
    }

    func rateUnit(request: Kinerja_V1_RateUnitRequest, context: ServerContext) async throws -> Kinerja_V1_RateUnitResponse {
        let caller = try context.caller()
        guard let predikat = UnitPredikat(matching: request.predikat) else {
            throw RPCError(
                code: .invalidArgument, message: "predikat '\(Quote.short(request.predikat))' must be istimewa, baik, butuh_perbaikan, kurang or sangat_kurang")
        }
        let mapping = state.settings.appraisal.unitHead
        return try await store.write { db in
            let period = try openPeriod(db, request.periodID, action: "rating a unit")
            let unit = try OrganisationStore.requireUnit(db, code: request.unitCode)
            try AppraisalStore.rateUnit(
                db, period: period, unit: unit.code, predikat: predikat, head: unit.headNIP, by: "uid \(caller.credentials.uid)", now: Date())
            var response = Kinerja_V1_RateUnitResponse()
            var summary = predikat.rawValue
            if let head = unit.headNIP {
                // The head takes the unit's predikat as their Hasil Kerja (SE MenPANRB 3/2023).
                let hasil = mapping.hasilKerja(predikat)
                response.headNip = head
                response.headHasilKerja = hasil.rawValue
                if var r = try AppraisalStore.rating(db, period: period, nip: head) {
                    if case .override(let who, let reason) = r.hasilBy {
                        response.headNote = "\(head)'s Hasil Kerja stays \(r.hasilKerja.rawValue): overridden by \(who) (\(reason))"
                    } else {
                        let before = r.predikat
                        r.hasilKerja = hasil
                        r.hasilBy = .unit(unit.code)
                        try AppraisalStore.save(db, period: period, [r], now: Date())
                        response.headNote = "\(head)'s Hasil Kerja set to \(hasil.rawValue): predikat \(before.rawValue) → \(r.predikat.rawValue)"
                    }
                } else {
                    response.headNote = "\(head) takes \(hasil.rawValue) as Hasil Kerja when their Perilaku Kerja is rated"
                }
                summary += "; head \(head): \(response.headNote)"
            }
            try Audit.record(db, actor: caller.auditActor, rpc: "RateUnit", target: "\(request.unitCode)/\(period)", summary: summary)
            return response
        }
    }

    func curve(request: Kinerja_V1_CurveRequest, context: ServerContext) async throws -> Kinerja_V1_CurveResponse {
        let caller = try context.caller()
        let period = try PeriodID.requested(request.periodID)
        return try await store.read { db in
            _ = try PeriodStore.require(db, period)
            if !request.unitCode.isEmpty { _ = try OrganisationStore.requireUnit(db, code: request.unitCode) }
            if caller.role == .gateway {
                // A portal shows a unit head their own unit's distribution; nobody else's.
                guard !request.unitCode.isEmpty, try OrganisationStore.unitsHeaded(db, by: caller.actorNIP).contains(request.unitCode) else {
                    throw RPCError(
                        code: .permissionDenied,
                        message:
                            "\(caller.actorNIP.isEmpty ? "a gateway acting for nobody" : caller.actorNIP) may not read the curve of \(request.unitCode.isEmpty ? "every unit" : request.unitCode): only the head of a unit, for that unit"
                    )
                }
            }
            let curves = try AppraisalStore.curves(db, period: period, unit: request.unitCode.isEmpty ? nil : request.unitCode)
            return .with { $0.units = curves.map(Self.curveMessage) }
        }
    }

    static func curveMessage(_ c: AppraisalStore.UnitCurve) -> Kinerja_V1_UnitCurve {
        .with {
            $0.unitCode = c.unit.code
            $0.unitName = c.unit.name
            $0.unitPredikat = c.predikat?.rawValue ?? ""
            $0.employees = Int32(c.evaluation.employees)
            let n = c.evaluation.employees
            for (p, count) in c.evaluation.counts {
                $0.counts[p.rawValue] = Int32(count)
                $0.percentages[p.rawValue] = n == 0 ? "0" : Fraction(Int128(count), Int128(n)).percentText(places: 1)
            }
            $0.violations = c.predikat == nil ? ["the unit has no predikat for this period (kinerjactl unit rate)"] : c.evaluation.violations
            $0.satisfied = c.predikat != nil && c.evaluation.satisfied
            $0.minimumChanges = c.predikat == nil ? 0 : Int32(c.evaluation.minimumChanges ?? -1)
            $0.unrated = Int32(c.unrated)
        }
    }
}
