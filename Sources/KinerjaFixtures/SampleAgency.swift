import Foundation
import KinerjaCore

/// Generates a synthetic but valid agency: a unit tree and employees with real-looking Indonesian names,
/// NIPs that pass validation, and a supervisor hierarchy (unit heads report to the parent unit's head;
/// in each unit two coordinators report to the head and the other staff to a coordinator).
/// Used by the benchmark and the end-to-end tests; deterministic for given sizes.
package struct SampleAgency {
    package var units: [OrgUnit] = []
    package var employees: [Employee] = []

    static let firstNames = [
        "Budi", "Siti", "Agus", "Dewi", "Rina", "Andi", "Sri", "Joko", "Ayu", "Bambang", "Putri", "Rudi", "Wahyu", "Nurul",
        "Hendra", "Fitri", "Dian", "Yusuf", "Indah", "Fajar", "Ratna", "Eko", "Lestari", "Ahmad", "Maria", "Yohanes", "Kadek",
        "Made", "Nyoman", "Teuku", "Cut", "Ika", "Rizky", "Wulan", "Arif", "Sari", "Bayu", "Novi", "Imam", "Yuliana",
    ]
    static let lastNames = [
        "Santoso", "Wijaya", "Pratama", "Lestari", "Saputra", "Hidayat", "Kusuma", "Nugroho", "Siregar", "Nasution",
        "Simanjuntak", "Harahap", "Tanjung", "Sitompul", "Manurung", "Rahman", "Setiawan", "Gunawan", "Halim", "Utami",
        "Ndun", "Fanggidae", "Bessie", "Lado", "Pattiasina", "Wonda", "Mahuze", "Daulay", "Ginting", "Tarigan",
    ]

    /// `unitCount` units in a tree of `levels` levels (1 root, then up to `fanout` children each), and
    /// `employeeCount` employees spread over the units.
    package init(unitCount: Int, employeeCount: Int, fanout: Int = 10) {
        precondition(unitCount >= 1 && employeeCount >= unitCount)
        // Breadth-first tree: unit i's parent is (i - 1) / fanout.
        for i in 0..<unitCount {
            let code = i == 0 ? "ROOT" : "U\(String(format: "%04d", i))"
            let parent = i == 0 ? nil : (i - 1) / fanout == 0 ? "ROOT" : "U\(String(format: "%04d", (i - 1) / fanout))"
            let name = i == 0 ? "Sekretariat Daerah" : (i <= fanout ? "Bidang \(i)" : i <= fanout * (fanout + 1) ? "Sub Bidang \(i)" : "Seksi \(i)")
            units.append(OrgUnit(code: code, name: name, parentCode: parent))
        }
        // Members per unit: index-ordered, the first member of each unit heads it.
        var members: [[Int]] = Array(repeating: [], count: unitCount)
        for e in 0..<employeeCount { members[e % unitCount].append(e) }
        var nips: [String] = []
        nips.reserveCapacity(employeeCount)
        for e in 0..<employeeCount { nips.append(Self.nip(e, pppk: Self.isPPPK(e, unitCount: unitCount))) }
        var heads: [String] = Array(repeating: "", count: unitCount)
        for u in 0..<unitCount { heads[u] = nips[members[u][0]] }
        for i in 0..<unitCount { units[i].headNIP = heads[i] }

        employees.reserveCapacity(employeeCount)
        for e in 0..<employeeCount {
            let u = e % unitCount
            let position = e / unitCount  // 0 = head, 1–2 coordinators, others staff
            let pppk = Self.isPPPK(e, unitCount: unitCount)
            let supervisor: String?
            let jenis: JenisJabatan
            let kelas: Int
            let golongan: String
            var fungsional: JabatanFungsional?
            var jabatan: String
            if position == 0 {
                supervisor = u == 0 ? nil : heads[(u - 1) / fanout]
                jenis = u == 0 ? .jpt : u <= fanout ? .administrator : .pengawas
                kelas = u == 0 ? 15 : u <= fanout ? 12 : 9
                golongan = u == 0 ? "IV/c" : u <= fanout ? "IV/a" : "III/d"
                jabatan = u == 0 ? "Sekretaris Daerah" : "Kepala \(units[u].name)"
            } else if position <= 2 {
                supervisor = heads[u]
                jenis = .fungsional
                fungsional = .ahliMuda
                kelas = 9
                golongan = "III/c"
                jabatan = "Analis Kebijakan Ahli Muda"
            } else {
                supervisor = nips[members[u][1 + position % 2]]
                if pppk {
                    jenis = .fungsional
                    fungsional = .terampil
                    kelas = 6
                    golongan = "VII"
                    jabatan = "Pranata Komputer Terampil"
                } else {
                    jenis = .pelaksana
                    kelas = 5 + position % 3
                    golongan = ["II/c", "III/a", "III/b"][position % 3]
                    jabatan = "Pengelola Data"
                }
            }
            let name = Self.firstNames[e % Self.firstNames.count] + " " + Self.lastNames[(e / Self.firstNames.count) % Self.lastNames.count]
            employees.append(
                Employee(
                    nip: nips[e], name: name, kind: pppk ? .pppk : .pns, golongan: golongan, jabatan: jabatan, jenisJabatan: jenis,
                    jabatanFungsional: fungsional, kelasJabatan: kelas, unitCode: units[u].code, supervisorNIP: supervisor,
                    email: "pegawai\(e)@example.go.id", phone: "0812\(String(format: "%08d", e))"))
        }
    }

    static func isPPPK(_ e: Int, unitCount: Int) -> Bool { e / unitCount >= 3 && e % 7 == 3 }

    /// A valid, unique NIP for employee number `e` (< 9,990,000).
    static func nip(_ e: Int, pppk: Bool) -> String {
        let birth = CivilDate(year: 1965, month: 1, day: 1)!.adding(days: e % 10_000)
        let seq = e / 10_000 + 1
        let gender = e % 2 + 1
        let birthText = String(format: "%04d%02d%02d", birth.year, birth.month, birth.day)
        if pppk {
            return birthText + String(format: "%04d2%d%d%03d", 2021 + e % 4, 1 + e % 9, gender, seq % 1000 == 0 ? 999 : seq % 1000)
        }
        return birthText + String(format: "%04d%02d%d%03d", birth.year + 24 + e % 5, 1 + e % 12, gender, seq)
    }

    /// An SKP import document (3 RHK utama × 2 indicators each, cascading to the supervisor's R1) and one
    /// month of realisasi for every indicator.
    package func skpAndRealisasi(year: Int, month: Int) -> (Data, Data) {
        var json = "{\"period\":\"\(year)\",\"skp\":["
        json.reserveCapacity(employees.count * 700)
        var csv = "nip,period,rhk_id,indicator_id,value,text,evidence,note\n"
        csv.reserveCapacity(employees.count * 6 * 60)
        let period = "\(year)-\(month < 10 ? "0" : "")\(month)"
        for (i, e) in employees.enumerated() {
            if i > 0 { json += "," }
            json += "{\"nip\":\"\(e.nip)\",\"rhk\":["
            for r in 1...3 {
                if r > 1 { json += "," }
                let intervensi = e.supervisorNIP == nil ? "" : ",\"intervensi\":\"R1\""
                json += "{\"id\":\"R\(r)\",\"kind\":\"utama\",\"text\":\"Terlaksananya kegiatan \(r)\"\(intervensi),\"indicators\":["
                json += "{\"id\":\"I1\",\"aspect\":\"kuantitas\",\"text\":\"Jumlah dokumen\",\"target\":12,\"unit\":\"dokumen\"},"
                json += "{\"id\":\"I2\",\"aspect\":\"waktu\",\"text\":\"Penyelesaian\",\"target\":12,\"unit\":\"bulan\"}]}"
                csv += "\(e.nip),\(period),R\(r),I1,\(1 + i % 3),,https://arsip/\(e.nip)/\(r),\n"
                csv += "\(e.nip),\(period),R\(r),I2,1,,,\n"
            }
            json += "]}"
        }
        json += "]}"
        return (Data(json.utf8), Data(csv.utf8))
    }

    /// One month of realisasi for every indicator of the SKPs `skpAndRealisasi` makes.
    package func realisasi(year: Int, month: Int) -> Data {
        var csv = "nip,period,rhk_id,indicator_id,value,text,evidence,note\n"
        csv.reserveCapacity(employees.count * 6 * 60)
        let period = "\(year)-\(month < 10 ? "0" : "")\(month)"
        for (i, e) in employees.enumerated() {
            for r in 1...3 {
                csv += "\(e.nip),\(period),R\(r),I1,\(1 + (i + month) % 3),,https://arsip/\(e.nip)/\(r),\n"
                csv += "\(e.nip),\(period),R\(r),I2,1,,,\n"
            }
        }
        return Data(csv.utf8)
    }

    /// A ratings CSV rating everyone (nip,hasil_kerja,perilaku_kerja), varied by `seed`.
    package func ratingsCSV(seed: Int = 0) -> Data {
        let ratings = ["di_atas", "sesuai", "sesuai", "di_bawah"]
        var csv = "nip,hasil_kerja,perilaku_kerja\n"
        csv.reserveCapacity(employees.count * 45)
        for (i, e) in employees.enumerated() { csv += "\(e.nip),\(ratings[(i + seed) % 4]),\(ratings[(i / 4 + seed) % 4])\n" }
        return Data(csv.utf8)
    }

    package var unitsCSV: Data {
        var s = "code,name,parent_code\n"
        for u in units { s += "\(u.code),\(u.name),\(u.parentCode ?? "")\n" }
        return Data(s.utf8)
    }

    package var employeesCSV: Data {
        var s = "nip,name,kind,golongan,jabatan,jenis_jabatan,jabatan_fungsional,kelas_jabatan,unit_code,supervisor_nip,email,phone,active\n"
        s.reserveCapacity(employees.count * 170)
        for e in employees {
            s +=
                "\(e.nip),\(e.name),\(e.kind.rawValue),\(e.golongan),\(e.jabatan),\(e.jenisJabatan.rawValue),\(e.jabatanFungsional?.rawValue ?? ""),\(e.kelasJabatan),\(e.unitCode),\(e.supervisorNIP ?? ""),\(e.email),\(e.phone),true\n"
        }
        return Data(s.utf8)
    }
}
