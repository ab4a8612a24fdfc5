import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaPluginAPI
import KinerjaPluginHost
import KinerjaStore
import SwiftProtobuf

extension AppraisalService {
    /// `rating derive`: the agency plugin's DeriveRatings over everyone in scope; `apply` sets the suggestions.
    func deriveRatings(request: Kinerja_V1_DeriveRatingsRequest, context: ServerContext) async throws -> Kinerja_V1_DeriveRatingsResponse {
        let caller = try context.caller()
        if request.apply && caller.role < .admin {
            throw RPCError(code: .permissionDenied, message: "applying derived ratings needs the admin role (you are \(caller.role))")
        }
        let id = try PeriodID.requested(request.periodID)
        let unit = request.unitCode.isEmpty ? nil : request.unitCode
        let (subjects, period) = try await store.read { db -> ([Kinerja_Plugin_V1_Subject], Kinerja_Plugin_V1_Period) in
            let record = try PeriodStore.require(db, id)
            if request.apply { try PeriodStore.requireRatable(db, id) }
            if let unit { _ = try OrganisationStore.requireUnit(db, code: unit) }
            return (
                try AppraisalStore.subjects(db, period: id, unit: unit).map(Kinerja_Plugin_V1_Subject.init),
                Kinerja_Plugin_V1_Period(id: id.description, period: id, state: record.state)
            )
        }
        let policy = try await Blocking.run { try state.policy() }
        let answer = try await policy.deriveRatings(
            .with {
                $0.period = period
                $0.subjects = subjects
            })
        let byNIP = Dictionary(answer.response.results.map { ($0.nip, $0) }, uniquingKeysWith: { a, _ in a })
        var response = Kinerja_V1_DeriveRatingsResponse()
        response.periodID = id.description
        response.handledBy = answer.handledBy
        for s in subjects {
            var out = Kinerja_V1_DerivedRating()
            out.nip = s.nip
            out.name = s.name
            out.unitCode = s.unitCode
            guard let d = byNIP[s.nip] else {
                out.notDerivable = true
                out.reason = "the \(answer.handledBy) rules returned nothing for this employee"
                response.results.append(out)
                continue
            }
            out.hasilKerja = d.hasilKerja
            out.perilakuKerja = d.perilakuKerja
            out.explanation = d.explanation
            out.notDerivable = d.notDerivable
            out.reason = d.reason
            if !d.notDerivable {
                let bad = [d.hasilKerja, d.perilakuKerja].filter { !$0.isEmpty && Rating(rawValue: $0) == nil }
                if !bad.isEmpty || (d.hasilKerja.isEmpty && d.perilakuKerja.isEmpty) {
                    out.notDerivable = true
                    out.reason = bad.isEmpty ? "the plugin derived no rating" : "the plugin returned an unknown rating '\(bad[0])'"
                }
            }
            response.results.append(out)
        }
        response.derived = Int32(response.results.filter { !$0.notDerivable }.count)
        response.notDerivable = Int32(response.results.count) - response.derived
        guard request.apply else { return response }

        let handledBy = answer.handledBy
        let results = response.results
        let applied = try await store.write { db -> [Kinerja_V1_DerivedRating] in
            try PeriodStore.requireRatable(db, id)
            let existing = try AppraisalStore.ratings(db, period: id)
            let mapping = state.settings.appraisal.unitHead
            let heads = try AppraisalStore.headUnits(db, period: id)
            var writes: [RatingRecord] = []
            var out: [Kinerja_V1_DerivedRating] = []
            for var r in results {
                defer { out.append(r) }
                guard !r.notDerivable else { continue }
                let old = existing[r.nip]
                var hasil = Rating(rawValue: r.hasilKerja) ?? old?.hasilKerja
                var hasilBy = HasilSource.rater
                // A unit head's Hasil Kerja is the unit's (or an override): derivation never replaces it.
                if let old, old.hasilBy != .rater {
                    hasil = old.hasilKerja
                    hasilBy = old.hasilBy
                } else if let head = heads[r.nip] {
                    hasil = mapping.hasilKerja(head.predikat)
                    hasilBy = .unit(head.unit)
                }
                if hasilBy != .rater { r.hasilKerja = hasil?.rawValue ?? "" }
                let perilaku = Rating(rawValue: r.perilakuKerja) ?? old?.perilakuKerja
                guard let hasil, let perilaku else {
                    r.applyNote =
                        "not set: no \(Rating(rawValue: r.hasilKerja) == nil ? "hasil_kerja" : "perilaku_kerja") rating yet for \(id) (the supervisor rates it first)"
                    continue
                }
                let record = RatingRecord(
                    nip: r.nip, hasilKerja: hasil, perilakuKerja: perilaku, aspects: old?.aspects ?? [:],
                    notes: String(("derived: " + r.explanation).prefix(1000)), ratedBy: "plugin:\(handledBy)", hasilBy: hasilBy)
                writes.append(record)
                r.applied = true
                r.predikat = record.predikat.rawValue
            }
            try AppraisalStore.save(db, period: id, writes, now: Date())
            try Audit.record(
                db, actor: caller.auditActor, rpc: "DeriveRatings", target: id.description + (unit.map { " " + $0 } ?? ""),
                summary: "\(writes.count) ratings set by plugin:\(handledBy)")
            return out
        }
        response.results = applied
        response.applied = Int32(applied.filter(\.applied).count)
        return response
    }
}
