import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

/// The appraisal as the structure of the agency shapes it: assessors per period, prorated angka kredit, SIASN.
extension AppraisalService {
    func listAppraisal(request: Kinerja_V1_ListAppraisalRequest, context: ServerContext) async throws -> Kinerja_V1_ListAppraisalResponse {
        let period = try PeriodID.requested(request.periodID)
        return try await store.read { db in
            _ = try PeriodStore.require(db, period)
            let ratings = try AppraisalStore.ratings(db, period: period)
            let people = try OrganisationStore.employees(db, unit: request.unitCode.isEmpty ? nil : request.unitCode, includeInactive: true)
                .filter { $0.active || ratings[$0.nip] != nil }
            let assessments = try StructureStore.assessments(db, employees: people, on: period.dates.end)
            var names: [String: String] = [:]
            func name(_ nip: String) throws -> String {
                if let n = names[nip] { return n }
                let n = try OrganisationStore.employee(db, nip: nip)?.name ?? ""
                names[nip] = n
                return n
            }
            return try .with {
                $0.rows = try people.map { p in
                    var row = Self.row(p, ratings[p.nip])
                    if let a = assessments[p.nip] {
                        row.supervisorNip = a.supervisor ?? ""
                        row.assessorNip = a.assessor ?? ""
                        row.assessorName = try a.assessor.map(name) ?? ""
                        row.assessorActing = a.acting.map { "\($0.kind.rawValue) \($0.unitCode)" } ?? ""
                    }
                    return row
                }
            }
        }
    }

    /// One employee's credit for a period: the period's months (only those in the jabatan) of the yearly credit.
    static func creditRow(_ e: Employee, _ j: JabatanFungsional, _ predikat: Predikat, period: PeriodID) -> Kinerja_V1_CreditRow {
        let months = AngkaKredit.months(of: period, since: e.jabatanSince)
        let credit = AngkaKredit.thousandths(j, predikat, months: months)
        return .with {
            $0.nip = e.nip
            $0.name = e.name
            $0.jabatanFungsional = j.rawValue
            $0.coefficient = AngkaKredit.text(AngkaKredit.coefficient(j))
            $0.predikat = predikat.rawValue
            $0.factor = AngkaKredit.factor(predikat).percentText() + "%"
            $0.months = Int32(months)
            $0.credit = AngkaKredit.text(thousandths: credit)
            $0.creditExact = AngkaKredit.exactText(thousandths: credit)
        }
    }

    func credits(request: Kinerja_V1_CreditsRequest, context: ServerContext) async throws -> Kinerja_V1_CreditsResponse {
        let period = try PeriodID.requested(request.periodID)
        let from = state.settings.appraisal.creditsFrom
        return try await store.read { db in
            _ = try PeriodStore.require(db, period)
            let employees = try OrganisationStore.employees(db, unit: nil, includeInactive: true).filter { $0.jabatanFungsional != nil }
            let children = period.kind == .annual ? try PeriodStore.children(db, of: period).map(\.id) : []
            if period.kind == .annual && from == .periodic && !children.isEmpty {
                // The year as the sum of its periodic credits (each kept to three decimals).
                let byPeriod = try children.map { ($0, try AppraisalStore.ratings(db, period: $0)) }
                let rows = employees.compactMap { e -> Kinerja_V1_CreditRow? in
                    let j = e.jabatanFungsional!
                    var total: Int64 = 0
                    var months = 0
                    var parts: [String] = []
                    for (child, ratings) in byPeriod {
                        guard let r = ratings[e.nip] else { continue }
                        let m = AngkaKredit.months(of: child, since: e.jabatanSince)
                        let c = AngkaKredit.thousandths(j, r.predikat, months: m)
                        total += c
                        months += m
                        parts.append("\(child) \(r.predikat.rawValue) \(m) \(AngkaKredit.exactText(thousandths: c))")
                    }
                    guard !parts.isEmpty else { return nil }
                    return .with {
                        $0.nip = e.nip
                        $0.name = e.name
                        $0.jabatanFungsional = j.rawValue
                        $0.coefficient = AngkaKredit.text(AngkaKredit.coefficient(j))
                        $0.months = Int32(months)
                        $0.credit = AngkaKredit.text(thousandths: total)
                        $0.creditExact = AngkaKredit.exactText(thousandths: total)
                        $0.parts = parts
                    }
                }
                return .with {
                    $0.rows = rows
                    $0.source = "periodic"
                }
            }
            let ratings = try AppraisalStore.ratings(db, period: period)
            return .with {
                $0.rows = employees.compactMap { e in ratings[e.nip].map { Self.creditRow(e, e.jabatanFungsional!, $0.predikat, period: period) } }
                $0.source = period.kind == .annual ? "annual" : ""
            }
        }
    }

    static func siasnLabel(_ r: Rating) -> String {
        switch r {
        case .diAtas: "DI ATAS EKSPEKTASI"
        case .sesuai: "SESUAI EKSPEKTASI"
        case .diBawah: "DI BAWAH EKSPEKTASI"
        }
    }

    static func siasnPeriode(_ p: PeriodID) -> String {
        switch p.kind {
        case .annual: "TAHUNAN"
        case .monthly: "BULANAN \(p.index < 10 ? "0" : "")\(p.index)"
        case .quarterly: "TRIWULAN \(p.index)"
        case .semester: "SEMESTER \(p.index)"
        }
    }

    func exportSIASN(request: Kinerja_V1_ExportSIASNRequest, context: ServerContext) async throws -> Kinerja_V1_ExportSIASNResponse {
        let period = try PeriodID.requested(request.periodID)
        return try await store.read { db in
            _ = try PeriodStore.require(db, period)
            let ratings = try AppraisalStore.ratings(db, period: period)
            let everyone = try OrganisationStore.employeesByNIP(db)
            let active = everyone.values.filter(\.active).sorted { ($0.unitCode, $0.nip) < ($1.unitCode, $1.nip) }
            let units = Dictionary(try OrganisationStore.units(db).map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
            let unitPredikat = try AppraisalStore.unitPredicates(db, period: period)
            let assessments = try StructureStore.assessments(db, employees: active, on: period.dates.end)
            var response = Kinerja_V1_ExportSIASNResponse()
            response.periodID = period.description
            for e in active {
                guard let r = ratings[e.nip] else {
                    response.unrated.append(e.nip)
                    continue
                }
                let a = assessments[e.nip]
                let assessor = a?.assessor.flatMap { everyone[$0] }
                response.rows.append(
                    .with {
                        $0.nip = e.nip
                        $0.nama = e.name
                        $0.tahun = Int32(period.year)
                        $0.periode = Self.siasnPeriode(period)
                        $0.hasilKinerja = Self.siasnLabel(r.hasilKerja)
                        $0.perilakuKerja = Self.siasnLabel(r.perilakuKerja)
                        $0.kuadranKinerja = r.predikat.officialName
                        $0.unitCode = e.unitCode
                        if let assessor {
                            $0.penilaiNipNrp = assessor.nip
                            $0.penilaiNama = assessor.name
                            $0.penilaiGolongan = assessor.golongan
                            $0.penilaiJabatan = assessor.jabatan
                            $0.penilaiUnorNama = units[assessor.unitCode]?.name ?? assessor.unitCode
                            $0.statusPenilai = a?.acting.map { $0.kind.rawValue.uppercased() } ?? "ASN"
                        }
                        $0.predikatUnit = unitPredikat[e.unitCode]?.officialName ?? ""
                        if let j = e.jabatanFungsional {
                            let months = AngkaKredit.months(of: period, since: e.jabatanSince)
                            $0.angkaKredit = AngkaKredit.text(thousandths: AngkaKredit.thousandths(j, r.predikat, months: months))
                        }
                    })
            }
            return response
        }
    }
}
