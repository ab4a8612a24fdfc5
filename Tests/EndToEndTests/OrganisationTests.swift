import Foundation
import KinerjaFixtures
import Testing

let employeeHeader = ThreePersonAgency.employeeHeader
let kepala = ThreePersonAgency.kepala
let budi = ThreePersonAgency.budi
let rina = ThreePersonAgency.rina

/// A daemon with three units and three employees.
func organisedDaemon() async throws -> (Daemon, String) {
    let daemon = try Daemon()
    try await daemon.waitReady()
    let dir = try shortTemporaryDirectory("ko")
    try ThreePersonAgency.unitsCSV.write(toFile: dir + "/units.csv", atomically: true, encoding: .utf8)
    let units = try await daemon.ctl(["unit", "import", dir + "/units.csv"])
    #expect(units.status == 0, "\(units.stderr)")
    try ThreePersonAgency.employeesCSV.write(toFile: dir + "/employees.csv", atomically: true, encoding: .utf8)
    let result = try await daemon.ctl(["employee", "import", dir + "/employees.csv", "-o", "json"])
    #expect(result.status == 0, "\(result.stderr)")
    return (daemon, dir)
}

func employeeCount(_ daemon: Daemon) async throws -> Int {
    let list = try await daemon.ctl(["employee", "list", "--include-inactive", "-o", "json"])
    return (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any])?.count ?? -1
}

@Suite(.serialized) struct OrganisationTests {
    @Test func importListShowExportRoundTrip() async throws {
        let (daemon, dir) = try await organisedDaemon()
        let list = try await daemon.ctl(["employee", "list", "-o", "json"])
        let employees = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(employees.count == 3)
        let rinaRow = try #require(employees.first { $0["nip"] as? String == rina })
        #expect(rinaRow["kind"] as? String == "PPPK")
        #expect(rinaRow["golongan"] as? String == "IX")
        #expect(rinaRow["jabatan_fungsional"] as? String == "ahli_pertama")
        #expect((rinaRow["kelas_jabatan"] as? NSNumber)?.intValue == 8)

        let show = try jsonObject(try await daemon.ctl(["employee", "show", rina, "-o", "json"]).stdout)
        let chain = try #require(show["supervisor_chain"] as? [[String: Any]])
        #expect(chain.map { $0["nip"] as? String } == [budi, kepala])
        let bShow = try jsonObject(try await daemon.ctl(["employee", "show", budi, "-o", "json"]).stdout)
        #expect((bShow["subordinates"] as? [[String: Any]])?.map { $0["nip"] as? String } == [rina])
        let table = try await daemon.ctl(["employee", "show", budi])
        #expect(table.stdout.contains("supervisor chain"))
        #expect(table.stdout.contains("Rina Fanggidae"))

        // Export → import: everything unchanged.
        let exported = dir + "/export.csv"
        #expect(try await daemon.ctl(["employee", "export", exported]).status == 0)
        let csv = try String(contentsOfFile: exported, encoding: .utf8)
        #expect(csv.hasPrefix(employeeHeader + ",cpns,jabatan_since\n"))
        #expect(csv.contains("\"Siti Aminah, S.Kom\""))
        let back = try jsonObject(try await daemon.ctl(["employee", "import", exported, "-o", "json"]).stdout)
        #expect((back["unchanged"] as? NSNumber)?.intValue == 3)
        #expect((back["added"] as? NSNumber)?.intValue == 0)
        #expect((back["updated"] as? NSNumber)?.intValue == 0)

        // Unit tree in table mode; JSON for scripts.
        let units = try await daemon.ctl(["unit", "list"])
        #expect(units.stdout.contains("├─ BID1") || units.stdout.contains("└─ BID1"))
        let unitJSON = try JSONSerialization.jsonObject(with: Data(try await daemon.ctl(["unit", "list", "-o", "json"]).stdout.utf8)) as? [[String: Any]]
        #expect(unitJSON?.count == 3)
        #expect(try await daemon.ctl(["unit", "set-head", "DINAS", kepala]).status == 0)
        let headed = try JSONSerialization.jsonObject(with: Data(try await daemon.ctl(["unit", "list", "-o", "json"]).stdout.utf8)) as? [[String: Any]]
        #expect(headed?.first { $0["code"] as? String == "DINAS" }?["head_nip"] as? String == kepala)
        #expect(await daemon.stop() == 0)
    }

    @Test func fiftyMegabytesOfGarbageIsRefusedQuickly() async throws {
        let (daemon, dir) = try await organisedDaemon()
        // Binary garbage.
        let binary = dir + "/garbage.bin"
        var bytes = [UInt8](repeating: 0, count: 50 << 20)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<bytes.count {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes[i] = UInt8(truncatingIfNeeded: seed >> 56)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: binary))
        let r1 = try await daemon.ctl(["employee", "import", binary])
        #expect(r1.status == 1)
        #expect(r1.stderr.contains("not CSV text") || r1.stderr.contains("not UTF-8"), "\(r1.stderr.prefix(300))")
        #expect(r1.stderr.contains("nothing was applied"), "\(r1.stderr.prefix(300))")
        // Text garbage: 50 MB of lines that are not an employee file.
        let text = dir + "/garbage.txt"
        let line = "lorem ipsum dolor, sit amet; \"consectetur\" adipiscing\n"
        try String(repeating: line, count: (50 << 20) / line.utf8.count).write(toFile: text, atomically: true, encoding: .utf8)
        let r2 = try await daemon.ctl(["employee", "import", text])
        #expect(r2.status == 1)
        #expect(r2.stderr.contains("line 1"), "\(r2.stderr.prefix(300))")
        #expect(try await employeeCount(daemon) == 3)
        // The daemon is still fine.
        #expect(try await daemon.ctl(["status"]).status == 0)
        #expect(await daemon.stop() == 0)
    }
}
