import KinerjaCore
import KinerjaPluginAPI
import SwiftProtobuf

extension Kinerja_Plugin_V1_Subject {
    /// The plugin message for what the host knows of one employee.
    package init(_ s: AppraisalSubject) {
        self.init()
        let e = s.employee
        nip = e.nip
        name = e.name
        unitCode = e.unitCode
        unitName = s.unitName
        kind = e.kind.rawValue
        golongan = e.golongan
        jenisJabatan = e.jenisJabatan.rawValue
        jabatanFungsional = e.jabatanFungsional?.rawValue ?? ""
        kelasJabatan = Int32(clamping: e.kelasJabatan)
        indicators = s.indicators.map { i in
            var ind = Kinerja_Plugin_V1_Indicator()
            ind.rhkID = i.rhkID
            ind.rhkKind = i.rhkKind
            ind.rhkText = i.rhkText
            ind.indicatorID = i.indicatorID
            ind.aspect = i.aspect
            ind.text = i.text
            ind.targetUnit = i.targetUnit
            ind.direction = i.direction
            if let t = i.target {
                ind.hasTarget_p = true
                ind.target = t
            }
            if let v = i.realisasi { ind.realisasi = v }
            ind.realisasiText = i.realisasiText
            ind.hasRealisasi_p = i.hasRealisasi
            return ind
        }
        feedback = s.feedback.map { f in
            .with {
                $0.source = f.source
                $0.rating = f.rating
                $0.aspects = Self.aspects(f.aspects)
            }
        }
        attendance = s.attendance.map { m in
            .with {
                $0.month = m.month
                $0.attendance = Kinerja_Plugin_V1_Attendance(m.attendance)
            }
        }
        ratings = s.ratings.map { r in
            .with {
                $0.periodID = r.periodID
                $0.periodKind = (try? PeriodID(r.periodID))?.kind.rawValue ?? ""
                $0.hasilKerja = r.hasilKerja
                $0.perilakuKerja = r.perilakuKerja
                $0.predikat = r.predikat
                $0.aspects = Self.aspects(r.aspects)
            }
        }
        activityMinutes = s.activityMinutes
    }

    /// Aspect ratings in a stable order (by aspect name).
    static func aspects(_ a: [BerAKHLAK: Rating]) -> [Kinerja_Plugin_V1_AspectRating] {
        a.sorted { $0.key.rawValue < $1.key.rawValue }.map { a in
            .with {
                $0.aspect = a.key.rawValue
                $0.rating = a.value.rawValue
            }
        }
    }
}

extension Kinerja_Plugin_V1_Period {
    /// The plugin message for a period (`state` nil: one the database does not hold, known by its id only).
    package init(id: String, period: PeriodID?, state: PeriodState?) {
        self.init()
        self.id = id
        guard let period, let state else { return }
        kind = period.kind.rawValue
        startDate = period.dates.start.description
        endDate = period.dates.end.description
        self.state = state.rawValue
    }
}
