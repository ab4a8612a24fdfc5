import Foundation

/// The small agency most service tests use, in-process and end-to-end: three units (DINAS with SEKR and BID1 under
/// it) and three employees — Siti (head, JPT, DINAS) supervises Budi (SEKR), who supervises Rina (BID1, PPPK,
/// fungsional ahli pertama).
package enum ThreePersonAgency {
    package static let kepala = "197001012000011001"
    package static let budi = "198503152010011001"
    package static let rina = "199006062021212006"

    package static let employeeHeader =
        "nip,name,kind,golongan,jabatan,jenis_jabatan,jabatan_fungsional,kelas_jabatan,unit_code,supervisor_nip,email,phone,active"

    package static let unitsCSV = "code,name,parent_code\nDINAS,Dinas Kominfo,\nSEKR,Sekretariat,DINAS\nBID1,Bidang Aplikasi,DINAS\n"

    package static let employeesCSV = """
        \(employeeHeader)
        \(kepala),"Siti Aminah, S.Kom",PNS,IV/b,Kepala Dinas,jpt,,15,DINAS,,siti@kominfo.go.id,,true
        \(budi),Budi Santoso,PNS,III/b,Analis,pelaksana,,7,SEKR,\(kepala),,,true
        \(rina),Rina Fanggidae,PPPK,IX,Pranata Komputer,fungsional,ahli_pertama,8,BID1,\(budi),,,true

        """

    /// An SKP import document for `period` with the three SKPs (or `only` those NIPs): Siti's K1, Budi's R1
    /// (intervening `budiIntervensi`) and T1, Rina's P1 (intervening `rinaIntervensi`).
    package static func skpDocument(
        period: String = "2025", budiIntervensi: String = "K1", rinaIntervensi: String = "R1", only: [String]? = nil
    ) -> String {
        let all = [
            kepala:
                #"{"nip": "\#(kepala)", "rhk": [{"id": "K1", "kind": "utama", "text": "Meningkatnya layanan digital", "indicators": [{"id": "I1", "aspect": "kuantitas", "text": "Indeks layanan", "target": 80, "unit": "%"}]}]}"#,
            budi:
                #"{"nip": "\#(budi)", "rhk": [{"id": "R1", "kind": "utama", "text": "Tersusunnya laporan", "intervensi": "\#(budiIntervensi)", "indicators": [{"id": "I1", "aspect": "kuantitas", "text": "Jumlah laporan", "target": 12, "unit": "laporan"}, {"id": "I2", "aspect": "kualitas", "text": "Kualitas laporan", "target_text": "sesuai standar"}]}, {"id": "T1", "kind": "tambahan", "text": "Narasumber", "indicators": [{"id": "I1", "aspect": "waktu", "text": "Hari keterlambatan", "target": 0, "unit": "hari", "direction": "lower_is_better"}]}], "lampiran": {"dukungan_sumber_daya": ["Laptop"], "skema_pertanggungjawaban": ["Laporan bulanan"], "konsekuensi": ["Teguran"]}, "perilaku": {"akuntabel": "Laporan tepat waktu"}}"#,
            rina:
                #"{"nip": "\#(rina)", "rhk": [{"id": "P1", "kind": "utama", "text": "Terkelolanya server", "intervensi": "\#(rinaIntervensi)", "indicators": [{"id": "I1", "aspect": "kuantitas", "text": "Uptime", "target": 99, "unit": "%"}]}]}"#,
        ]
        let chosen = (only ?? [kepala, budi, rina]).map { all[$0]! }
        return #"{"period": "\#(period)", "skp": [\#(chosen.joined(separator: ","))]}"#
    }
}
