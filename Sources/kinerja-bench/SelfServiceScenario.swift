import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KinerjaAPI
import KinerjaCore
import KinerjaFixtures
import SwiftProtobuf

/// #18: what a portal does for the people of the generated agency, through the gateway socket: a year of monthly
/// data first (realisasi and ratings for every month, as operators would have imported them), then `Login` at the
/// production bcrypt cost, `GetOverview` for employees spread over the agency (1 and 16 callers) and `PutRealisasi`
/// (16 callers, each employee their own record).
struct SelfServiceScenario {
    static let bcryptCost = 12
    static let password = "Tolok-Ukur-2026!"
    let bin: String
    let daemon: BenchDaemon
    let sample: SampleAgency
    let seconds: Double

    func ctl(_ args: [String], stdout: String? = nil) throws -> Double {
        let t0 = ContinuousClock.now
        let child = try ChildProcess(bin + "/kinerjactl", args + ["--socket", daemon.socket], stdout: stdout, stderr: "-")
        let status = child.wait(timeout: 600) ?? -1
        guard status == 0 else { throw ArgumentParser.ValidationError("kinerjactl \(args.joined(separator: " ")) exited \(status)") }
        return (ContinuousClock.now - t0).seconds
    }

    static func acting(_ nip: String) -> Metadata {
        var m = Metadata()
        m.addString(nip, forKey: "kinerja-actor-nip")
        return m
    }

    func run() async throws -> [String: Any] {
        var out: [String: Any] = ["employees": sample.employees.count, "bcrypt_cost": Self.bcryptCost]
        // The rest of the year: months 2–12 opened and moved to assessment, a realisasi and a ratings import each.
        var yearSeconds = 0.0
        for month in 2...12 {
            let id = String(format: "2026-%02d", month)
            for _ in 0..<3 { yearSeconds += try ctl(["period", "advance", id, "--force", "--reason", "benchmark"], stdout: "/dev/null") }
            let realisasi = daemon.dir + "/realisasi-\(month).csv"
            try sample.realisasi(year: 2026, month: month).write(to: URL(fileURLWithPath: realisasi))
            yearSeconds += try ctl(["realisasi", "import", realisasi], stdout: "/dev/null")
            let ratings = daemon.dir + "/ratings-\(month).csv"
            try sample.ratingsCSV(seed: month).write(to: URL(fileURLWithPath: ratings))
            yearSeconds += try ctl(["rating", "import", ratings, "--period", id], stdout: "/dev/null")
            try? FileManager.default.removeItem(atPath: realisasi)
        }
        out["year_of_data_import_seconds"] = yearSeconds.rounded(to: 1)

        // Employees spread over the whole agency (every 97th), the ones each scenario works for.
        let people = stride(from: 0, to: sample.employees.count, by: max(1, sample.employees.count / 1_000)).map { sample.employees[$0].nip }
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: daemon.gatewaySocket), transportSecurity: .plaintext)
        try await withGRPCClient(transport: transport) { client in
            out["login"] = try await login(client, nip: people[0])
            let org = Kinerja_V1_OrgService.Client(wrapping: client)
            let overview: @Sendable (Int) async throws -> Void = { i in
                let nip = people[i % people.count]
                let o = try await org.getOverview(.with { $0.nip = nip }, metadata: Self.acting(nip))
                guard o.periods.count >= 13 else { throw ArgumentParser.ValidationError("overview of \(nip) shows \(o.periods.count) periods, not a year") }
            }
            let periods = try await org.getOverview(.with { $0.nip = people[1] }, metadata: Self.acting(people[1])).periods.count
            out["get_overview"] = [
                "periods_shown": periods,
                "callers_1": try await measure(callers: 1, warmUp: 200, overview),
                "callers_16": try await measure(callers: 16, warmUp: 200, overview),
            ]
            let skp = Kinerja_V1_SKPService.Client(wrapping: client)
            let put: @Sendable (Int) async throws -> Void = { i in
                let nip = people[i % people.count]
                _ = try await skp.putRealisasi(
                    .with {
                        $0.key = .with {
                            $0.nip = nip
                            $0.periodID = "2026-11"
                            $0.rhkID = "R\(1 + i % 3)"
                            $0.indicatorID = "I1"
                        }
                        $0.value = "\(i % 20)"
                        $0.evidence = ["https://arsip.example.go.id/\(nip)/\(i)"]
                        $0.note = "diisi lewat portal"
                    }, metadata: Self.acting(nip))
            }
            out["put_realisasi"] = ["callers_16": try await measure(callers: 16, warmUp: 100, put)]
        }
        out["portal_beranda"] = try PortalScenario(bin: bin, daemon: daemon, nip: people[0], password: Self.password, seconds: seconds).run()
        return out
    }

    /// An account activated from the code the outbox wrote to the daemon's log, then `Login` timed one after another.
    func login(_ client: GRPCClient<HTTP2ClientTransport.Posix>, nip: String) async throws -> [String: Any] {
        let invited = daemon.dir + "/invite.json"
        _ = try ctl(["account", "invite", nip, "--channel", "log", "-o", "json"], stdout: invited)
        let outbox = ((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: invited))) as? [String: Any])?["outbox_id"] as? NSNumber)?
            .intValue
        var code: String?
        let deadline = Date().addingTimeInterval(30)
        while code == nil, Date() < deadline, let outbox {
            let log = (try? String(contentsOfFile: daemon.logPath, encoding: .utf8)) ?? ""
            for line in log.split(separator: "\n") where line.contains("outbox_id=\(outbox)") {
                if let r = line.range(of: #"[0-9A-Z]{4}(-[0-9A-Z]{4}){5}-[0-9A-Z]{2}"#, options: .regularExpression) { code = String(line[r]) }
            }
            if code == nil { usleep(50_000) }
        }
        guard let code else { throw ArgumentParser.ValidationError("the activation code of \(nip) never reached the log") }
        let accounts = Kinerja_V1_AccountService.Client(wrapping: client)
        let password = Self.password
        _ = try await accounts.activate(
            .with {
                $0.nip = nip
                $0.code = code
                $0.newPassword = password
            })
        var samples: [Double] = []
        for _ in 0..<25 {
            let t0 = ContinuousClock.now
            _ = try await accounts.login(
                .with {
                    $0.nip = nip
                    $0.password = password
                    $0.clientAddress = "127.0.0.1"
                })
            samples.append((ContinuousClock.now - t0).milliseconds)
        }
        samples.sort()
        return [
            "logins": samples.count, "bcrypt_cost": Self.bcryptCost, "p50_ms": percentile(samples, 0.5).rounded(to: 1),
            "max_ms": (samples.last ?? 0).rounded(to: 1),
        ]
    }

    /// `callers` concurrent loops of `call(i)` for `seconds` after `warmUp` calls: rate and latency percentiles.
    func measure(callers: Int, warmUp: Int, _ call: @escaping @Sendable (Int) async throws -> Void) async throws -> [String: Any] {
        for i in 0..<warmUp { try await call(i) }
        let start = ContinuousClock.now
        let end = start + .milliseconds(Int(seconds * 1000))
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for c in 0..<callers {
                group.addTask {
                    var samples: [Double] = []
                    var i = c
                    while ContinuousClock.now < end {
                        let t0 = ContinuousClock.now
                        try await call(i)
                        samples.append((ContinuousClock.now - t0).milliseconds)
                        i += callers
                    }
                    return samples
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        let elapsed = (ContinuousClock.now - start).seconds
        return [
            "callers": callers, "calls": latencies.count, "per_second": (Double(latencies.count) / elapsed).rounded(),
            "p50_ms": percentile(latencies, 0.5).rounded(to: 3), "p99_ms": percentile(latencies, 0.99).rounded(to: 3),
        ]
    }
}
