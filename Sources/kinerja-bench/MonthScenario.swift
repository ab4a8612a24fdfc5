import ArgumentParser
import Foundation
import KinerjaCore
import KinerjaFixtures

/// The month's batch for the generated agency (#22): units and employees, ratings, attendance, TPP compute and the
/// payroll export, each a `kinerjactl` command against a fresh kinerjad, timed end to end; then the same five steps on
/// the same files by the `sqlite3` shell with plain SQL (`bench/month_floor.sql`) in the same run, the ratio between
/// the two, and whether both paid the same net total. The daemon's resident size is taken idle (before the first
/// import) and at its peak (VmHWM) after the batch.
struct MonthScenario {
    let bin: String
    let daemonProgram: String
    let repo: String
    let employees: Int
    let units: Int

    func run() throws -> [String: Any] {
        let daemon = try BenchDaemon(program: daemonProgram)
        defer { daemon.stop() }
        let dir = daemon.dir + "/month"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let sample = SampleAgency(unitCount: units, employeeCount: employees)
        try sample.unitsCSV.write(to: URL(fileURLWithPath: dir + "/units.csv"))
        try sample.employeesCSV.write(to: URL(fileURLWithPath: dir + "/employees.csv"))
        try sample.ratingsCSV().write(to: URL(fileURLWithPath: dir + "/ratings.csv"))
        try BenchDaemon.tppBases.write(to: URL(fileURLWithPath: dir + "/base.csv"))
        var attendance = "nip,tl1,psw2,tk,sanction_percent\n"
        attendance.reserveCapacity(sample.employees.count * 30)
        for (i, e) in sample.employees.enumerated() { attendance += "\(e.nip),\(i % 3),\(i % 2),\(i % 7 == 0 ? 1 : 0),\(i % 50 == 0 ? 20 : 0)\n" }
        try Data(attendance.utf8).write(to: URL(fileURLWithPath: dir + "/attendance.csv"))
        let idleRSS = daemon.rssMiB()

        func step(_ args: [String], stdout: String? = nil) throws -> Double { try daemon.kinerjactl(args, bin: bin, stdout: stdout) }
        var steps: [String: Double] = [:]
        steps["unit_import"] = try step(["unit", "import", dir + "/units.csv"])
        steps["employee_import"] = try step(["employee", "import", dir + "/employees.csv"])
        // Set-up the month needs and the floor does not model (a period to rate, assessed; the bases), not timed.
        try daemon.prepareJanuary(bin: bin)
        _ = try step(["tpp", "base", "import", dir + "/base.csv"])
        steps["rating_import"] = try step(["rating", "import", dir + "/ratings.csv", "--period", "2026-01"])
        steps["attendance_import"] = try step(["tpp", "attendance", "import", dir + "/attendance.csv", "--month", "2026-01"])
        steps["tpp_compute"] = try step(["tpp", "compute", "--month", "2026-01"], stdout: "/dev/null")
        let exportJSON = dir + "/export.json"
        steps["tpp_export"] = try step(["tpp", "export", "--month", "2026-01", dir + "/payroll-kinerjad.csv", "-o", "json"], stdout: exportJSON)
        let kinerjad = steps.values.reduce(0, +)
        let peakRSS = daemon.rssMiB(peak: true)
        let exported = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: exportJSON)))) as? [String: Any] ?? [:]
        let kinerjadNet = Int64((exported["total_net"] as? NSNumber)?.int64Value ?? -1)

        // The floor, on its own database in the same folder.
        let floorOut = dir + "/floor.out"
        let (floorMS, floorStatus) = try runCommand(
            "/bin/sh", ["-c", "cd \"$1\" && exec sqlite3 floor.db < \"$2\"", "month-floor", dir, repo + "/bench/month_floor.sql"], stdout: floorOut)
        guard floorStatus == 0 else { throw ArgumentParser.ValidationError("sqlite3 month_floor.sql exited \(floorStatus)") }
        let floorText = (try? String(contentsOfFile: floorOut, encoding: .utf8)) ?? ""
        let floorNet = floorText.split(separator: "\n").first { $0.hasPrefix("net_total|") }.flatMap { Int64($0.dropFirst(10)) } ?? -2
        let floor = floorMS / 1000
        return [
            "employees": sample.employees.count, "units": sample.units.count,
            "kinerjad_seconds": kinerjad.rounded(to: 3),
            "kinerjad_steps_seconds": steps.mapValues { $0.rounded(to: 3) },
            "sqlite3_floor_seconds": floor.rounded(to: 3),
            "ratio_to_floor": (kinerjad / max(floor, 0.001)).rounded(to: 2),
            "net_total_kinerjad": kinerjadNet, "net_total_floor": floorNet, "same_net_total": kinerjadNet == floorNet,
            "daemon_rss_mib_idle": idleRSS, "daemon_rss_mib_peak": peakRSS,
        ]
    }
}
