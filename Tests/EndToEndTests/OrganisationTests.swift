import Foundation
import GRDB
import KinerjaFixtures
import Testing

let employeeHeader = "nip,name,kind,golongan,jabatan,jenis_jabatan,jabatan_fungsional,kelas_jabatan,unit_code,supervisor_nip,email,phone,active"
let kepala = "197001012000011001"
let budi = "198503152010011001"
let rina = "199006062021212006"

/// A daemon with three units and three employees.
func organisedDaemon() throws -> (Daemon, String) {
    let daemon = try Daemon()
    try daemon.waitReady()
    let dir = try shortTemporaryDirectory("ko")
    try "code,name,parent_code\nDINAS,Dinas Kominfo,\nSEKR,Sekretariat,DINAS\nBID1,Bidang Aplikasi,DINAS\n".write(toFile: dir + "/units.csv", atomically: true, encoding: .utf8)
    let units = try daemon.ctl(["unit", "import", dir + "/units.csv"])
    #expect(units.status == 0, "\(units.stderr)")
    let staff = """
        \(employeeHeader)
        \(kepala),"Siti Aminah, S.Kom",PNS,IV/b,Kepala Dinas,jpt,,15,DINAS,,siti@kominfo.go.id,,true
        \(budi),Budi Santoso,PNS,III/b,Analis,pelaksana,,7,SEKR,\(kepala),,,true
        \(rina),Rina Fanggidae,PPPK,IX,Pranata Komputer,fungsional,ahli_pertama,8,BID1,\(budi),,,true

        """
    try staff.write(toFile: dir + "/employees.csv", atomically: true, encoding: .utf8)
    let result = try daemon.ctl(["employee", "import", dir + "/employees.csv", "-o", "json"])
    #expect(result.status == 0, "\(result.stderr)")
    return (daemon, dir)
}

func employeeCount(_ daemon: Daemon) throws -> Int {
    let list = try daemon.ctl(["employee", "list", "--include-inactive", "-o", "json"])
    return (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any])?.count ?? -1
}

@Suite(.serialized) struct OrganisationTests {
    @Test func importListShowExportRoundTrip() throws {
        let (daemon, dir) = try organisedDaemon()
        let list = try daemon.ctl(["employee", "list", "-o", "json"])
        let employees = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(employees.count == 3)
        let rinaRow = try #require(employees.first { $0["nip"] as? String == rina })
        #expect(rinaRow["kind"] as? String == "PPPK")
        #expect(rinaRow["golongan"] as? String == "IX")
        #expect(rinaRow["jabatan_fungsional"] as? String == "ahli_pertama")
        #expect((rinaRow["kelas_jabatan"] as? NSNumber)?.intValue == 8)

        let show = try jsonObject(try daemon.ctl(["employee", "show", rina, "-o", "json"]).stdout)
        let chain = try #require(show["supervisor_chain"] as? [[String: Any]])
        #expect(chain.map { $0["nip"] as? String } == [budi, kepala])
        let bShow = try jsonObject(try daemon.ctl(["employee", "show", budi, "-o", "json"]).stdout)
        #expect((bShow["subordinates"] as? [[String: Any]])?.map { $0["nip"] as? String } == [rina])
        let table = try daemon.ctl(["employee", "show", budi])
        #expect(table.stdout.contains("supervisor chain"))
        #expect(table.stdout.contains("Rina Fanggidae"))

        // Export → import: everything unchanged.
        let exported = dir + "/export.csv"
        #expect(try daemon.ctl(["employee", "export", exported]).status == 0)
        let csv = try String(contentsOfFile: exported, encoding: .utf8)
        #expect(csv.hasPrefix(employeeHeader + "\n"))
        #expect(csv.contains("\"Siti Aminah, S.Kom\""))
        let back = try jsonObject(try daemon.ctl(["employee", "import", exported, "-o", "json"]).stdout)
        #expect((back["unchanged"] as? NSNumber)?.intValue == 3)
        #expect((back["added"] as? NSNumber)?.intValue == 0)
        #expect((back["updated"] as? NSNumber)?.intValue == 0)

        // Unit tree in table mode; JSON for scripts.
        let units = try daemon.ctl(["unit", "list"])
        #expect(units.stdout.contains("├─ BID1") || units.stdout.contains("└─ BID1"))
        let unitJSON = try JSONSerialization.jsonObject(with: Data(try daemon.ctl(["unit", "list", "-o", "json"]).stdout.utf8)) as? [[String: Any]]
        #expect(unitJSON?.count == 3)
        #expect(try daemon.ctl(["unit", "set-head", "DINAS", kepala]).status == 0)
        let headed = try JSONSerialization.jsonObject(with: Data(try daemon.ctl(["unit", "list", "-o", "json"]).stdout.utf8)) as? [[String: Any]]
        #expect(headed?.first { $0["code"] as? String == "DINAS" }?["head_nip"] as? String == kepala)
        #expect(daemon.stop() == 0)
    }

    @Test func badFilesChangeNothingAndNameEveryBadRow() throws {
        let (daemon, dir) = try organisedDaemon()
        let dbPath = daemon.stateDir + "/kinerja.db"
        func fingerprint() throws -> String {
            let q = try DatabaseQueue(path: dbPath, configuration: { var c = Configuration(); c.readonly = true; return c }())
            defer { try? q.close() }
            return try q.read { db in
                try String.fetchAll(db, sql: "SELECT nip || name || golongan || active || coalesce(supervisor_nip,'') FROM employees ORDER BY nip").joined(separator: "|")
                    + (try String.fetchAll(db, sql: "SELECT code || name FROM units ORDER BY code").joined(separator: "|"))
            }
        }
        let before = try fingerprint()
        let newcomer = "198807072012032003"
        let good = "\(newcomer),Dewi Lestari,PNS,III/a,Staf,pelaksana,,6,SEKR,\(budi),,,true"
        let cases: [(String, String, String)] = [
            ("wrong length", "\(employeeHeader)\n\(good)\n1985031520100110,X,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n", "line 3, column nip: NIP '1985031520100110' has 16 digits"),
            ("non-digits", "\(employeeHeader)\n198503152010O11001,X,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n", "line 2, column nip: NIP '198503152010O11001' must contain digits only"),
            ("impossible birth date", "\(employeeHeader)\n198502302010011001,X,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n", "birth date 19850230"),
            ("gender digit 3", "\(employeeHeader)\n198503152010013009,X,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n", "gender digit 15 must be 1 (male) or 2 (female), found 3"),
            ("duplicate NIP", "\(employeeHeader)\n\(good)\n\(good)\n", "line 3, column nip: NIP \(newcomer) already appears on line 2"),
            ("unknown unit", "\(employeeHeader)\n\(newcomer),Dewi,PNS,III/a,,pelaksana,,6,NOWHERE,,,,true\n", "line 2, column unit_code: unknown unit 'NOWHERE'"),
            ("unknown supervisor", "\(employeeHeader)\n\(newcomer),Dewi,PNS,III/a,,pelaksana,,6,SEKR,198001012005011009,,,true\n", "unknown supervisor 198001012005011009"),
            ("supervisor cycle", "\(employeeHeader)\n\(budi),Budi Santoso,PNS,III/b,Analis,pelaksana,,7,SEKR,\(rina),,,true\n", "supervisor cycle"),
            ("self-supervision", "\(employeeHeader)\n\(newcomer),Dewi,PNS,III/a,,pelaksana,,6,SEKR,\(newcomer),,,true\n", "cannot supervise themselves"),
            ("kelas 0", "\(employeeHeader)\n\(newcomer),Dewi,PNS,III/a,,pelaksana,,0,SEKR,,,,true\n", "column kelas_jabatan: '0' is not a kelas jabatan"),
            ("kelas 18", "\(employeeHeader)\n\(newcomer),Dewi,PNS,III/a,,pelaksana,,18,SEKR,,,,true\n", "'18' is not a kelas jabatan"),
            ("golongan V/a", "\(employeeHeader)\n\(newcomer),Dewi,PNS,V/a,,pelaksana,,6,SEKR,,,,true\n", "golongan 'V/a' is not a PNS rank"),
            ("empty name", "\(employeeHeader)\n\(newcomer),,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n", "line 2, column name: name is empty"),
            ("unknown column", "\(employeeHeader),salary\n\(good),100\n", "line 1, column salary: unknown column"),
            ("missing header", "\(good)\n", "a header row is required"),
            ("wrong delimiter mix", "\(employeeHeader)\n\(good.replacingOccurrences(of: ",", with: ";"))\n", "expected 13 fields"),
            ("header mixing delimiters", "nip,name;kind\n", "mixes ',' and ';'"),
            ("unterminated quote", "\(employeeHeader)\n\(newcomer),\"Dewi,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n", "line 2: a quoted field opened on this line is never closed"),
            ("empty file", "", "the file is empty"),
        ]
        for (name, content, expected) in cases {
            let file = dir + "/bad-\(name.replacingOccurrences(of: " ", with: "-").replacingOccurrences(of: "/", with: "")).csv"
            try content.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try daemon.ctl(["employee", "import", file])
            #expect(result.status == 1, "\(name): \(result.stdout)")
            #expect(result.stderr.contains(expected), "\(name): \(result.stderr)")
            #expect(result.stderr.contains("nothing was applied"), "\(name)")
            #expect(try fingerprint() == before, "\(name) changed the database")
        }
        // Many bad rows: every one is reported.
        var many = employeeHeader + "\n"
        for i in 0..<25 { many += "12345\(i),X,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n" }
        try many.write(toFile: dir + "/many.csv", atomically: true, encoding: .utf8)
        let manyResult = try daemon.ctl(["employee", "import", dir + "/many.csv", "-o", "json"])
        #expect(manyResult.status == 1)
        let report = try jsonObject(manyResult.stdout)
        #expect((report["error_count"] as? NSNumber)?.intValue == 25)
        #expect((report["errors"] as? [[String: Any]])?.map { ($0["line"] as? NSNumber)?.intValue ?? 0 } == Array(2...26))
        #expect(report["applied"] as? Bool == false)
        #expect(try fingerprint() == before)
        #expect(daemon.stop() == 0)
    }

    @Test func fiftyMegabytesOfGarbageIsRefusedQuickly() throws {
        let (daemon, dir) = try organisedDaemon()
        // Binary garbage.
        let binary = dir + "/garbage.bin"
        var bytes = [UInt8](repeating: 0, count: 50 << 20)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<bytes.count {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            bytes[i] = UInt8(truncatingIfNeeded: seed >> 56)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: binary))
        let r1 = try daemon.ctl(["employee", "import", binary])
        #expect(r1.status == 1)
        #expect(r1.stderr.contains("not CSV text") || r1.stderr.contains("not UTF-8"), "\(r1.stderr.prefix(300))")
        // Text garbage: 50 MB of lines that are not an employee file.
        let text = dir + "/garbage.txt"
        let line = "lorem ipsum dolor, sit amet; \"consectetur\" adipiscing\n"
        try String(repeating: line, count: (50 << 20) / line.utf8.count).write(toFile: text, atomically: true, encoding: .utf8)
        let r2 = try daemon.ctl(["employee", "import", text])
        #expect(r2.status == 1)
        #expect(r2.stderr.contains("line 1"), "\(r2.stderr.prefix(300))")
        #expect(try employeeCount(daemon) == 3)
        // The daemon is still fine.
        #expect(try daemon.ctl(["status"]).status == 0)
        #expect(daemon.stop() == 0)
    }

    @Test func upsertsDryRunDeactivationAndBOMSemicolons() throws {
        let (daemon, dir) = try organisedDaemon()
        // Semicolons, BOM, quoted fields, a new employee and a changed one.
        let newcomer = "198807072012032003"
        let content = "\u{FEFF}nip;name;kind;golongan;jenis_jabatan;kelas_jabatan;unit_code;supervisor_nip\n"
            + "\(budi);\"Budi Santoso, S.E.\";PNS;III/c;pelaksana;8;SEKR;\(kepala)\n"
            + "\(newcomer);Dewi Lestari;pns;iii/a;pelaksana;6;BID1;\(kepala)\n"
        try content.write(toFile: dir + "/upd.csv", atomically: true, encoding: .utf8)
        let dry = try jsonObject(try daemon.ctl(["employee", "import", dir + "/upd.csv", "--dry-run", "-o", "json"]).stdout)
        #expect(dry["dry_run"] as? Bool == true)
        #expect(dry["applied"] as? Bool == false)
        #expect((dry["added"] as? NSNumber)?.intValue == 1)
        #expect((dry["updated"] as? NSNumber)?.intValue == 1)
        #expect(try employeeCount(daemon) == 3)
        let applied = try jsonObject(try daemon.ctl(["employee", "import", dir + "/upd.csv", "-o", "json"]).stdout)
        #expect(applied["applied"] as? Bool == true)
        #expect(try employeeCount(daemon) == 4)
        let b = try jsonObject(try daemon.ctl(["employee", "show", budi, "-o", "json"]).stdout)
        #expect(b["name"] as? String == "Budi Santoso, S.E.")
        #expect(b["golongan"] as? String == "III/c")
        #expect(b["jabatan"] as? String == "Analis")  // column absent: kept

        // --deactivate-missing: rina is not listed and has no subordinates → deactivated, not deleted.
        let keep = "\(employeeHeader)\n\(kepala),\"Siti Aminah, S.Kom\",PNS,IV/b,Kepala Dinas,jpt,,15,DINAS,,siti@kominfo.go.id,,true\n"
            + "\(budi),\"Budi Santoso, S.E.\",PNS,III/c,Analis,pelaksana,,8,SEKR,\(kepala),,,true\n"
            + "\(newcomer),Dewi Lestari,PNS,III/a,,pelaksana,,6,BID1,\(kepala),,,true\n"
        try keep.write(toFile: dir + "/keep.csv", atomically: true, encoding: .utf8)
        let deact = try jsonObject(try daemon.ctl(["employee", "import", dir + "/keep.csv", "--deactivate-missing", "-o", "json"]).stdout)
        #expect((deact["deactivated"] as? NSNumber)?.intValue == 1)
        let active = try JSONSerialization.jsonObject(with: Data(try daemon.ctl(["employee", "list", "-o", "json"]).stdout.utf8)) as? [[String: Any]]
        #expect(active?.count == 3)
        let r = try jsonObject(try daemon.ctl(["employee", "show", rina, "-o", "json"]).stdout)
        #expect(r["active"] as? Bool == false)
        // The audit trail has each import.
        let audit = try JSONSerialization.jsonObject(with: Data(try daemon.ctl(["audit", "list", "-o", "json"]).stdout.utf8)) as? [[String: Any]]
        #expect(audit?.filter { $0["rpc"] as? String == "ImportEmployees" }.count == 3)
        #expect(daemon.stop() == 0)
    }

    @Test func agencySettingsAndErrors() throws {
        let daemon = try Daemon()
        try daemon.waitReady()
        let set = try daemon.ctl(["agency", "set", "--code", "KOMINFO-KPG", "--name", "Dinas Kominfo Kota Kupang", "--zone", "Asia/Makassar", "-o", "json"])
        #expect(set.status == 0, "\(set.stderr)")
        let a = try jsonObject(try daemon.ctl(["agency", "show", "-o", "json"]).stdout)
        #expect(a["time_zone"] as? String == "Asia/Makassar")
        #expect(a["name"] as? String == "Dinas Kominfo Kota Kupang")
        let bad = try daemon.ctl(["agency", "set", "--zone", "Asia/Tokyo"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("INVALID_ARGUMENT"))
        #expect(try daemon.ctl(["agency", "set"]).status == 2)
        let missing = try daemon.ctl(["employee", "show", "198503152010011001"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("NOT_FOUND"))
        let malformed = try daemon.ctl(["employee", "show", "12"])
        #expect(malformed.stderr.contains("INVALID_ARGUMENT"))
        #expect(daemon.stop() == 0)
    }
}
