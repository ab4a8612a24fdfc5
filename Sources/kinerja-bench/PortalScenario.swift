import ArgumentParser
import Foundation
import KinerjaFixtures

/// #19: Beranda through a real kinerja-portal (release build) for an employee of the generated agency, signed in once,
/// loaded by wrk (Debian's) on loopback with 16 connections: pages per second, latency percentiles, the portal's RSS.
struct PortalScenario {
    let bin: String
    let daemon: BenchDaemon
    let nip: String
    let password: String
    let seconds: Double

    func run() throws -> [String: Any] {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else { return ["skipped": "wrk is not installed (apt-get install wrk)"] }
        let port = 18_000 + Int(getpid() % 1000)
        let log = daemon.dir + "/portal.log"
        let portal = try ChildProcess(
            bin + "/kinerja-portal", ["--socket", daemon.gatewaySocket, "--listen", "127.0.0.1:\(port)", "--log-level", "warning"], stdout: log, stderr: log)
        defer {
            portal.signal(SIGTERM)
            portal.wait(timeout: 30)
        }
        let base = "http://127.0.0.1:\(port)"
        let jar = daemon.dir + "/cookies.txt"
        let page = daemon.dir + "/masuk.html"
        var up = false
        for _ in 0..<200 where !up {
            up = (try? curl(["-s", "-o", page, "-c", jar, "-b", jar, base + "/masuk"])) == 0
            if !up { usleep(50_000) }
        }
        guard up else { throw ArgumentParser.ValidationError("kinerja-portal did not start (see \(log))") }
        let html = (try? String(contentsOfFile: page, encoding: .utf8)) ?? ""
        guard let r = html.range(of: #"name="_csrf" value="[^"]+""#, options: .regularExpression) else {
            throw ArgumentParser.ValidationError("no CSRF token on the sign-in page")
        }
        let csrf = String(html[r].dropFirst(#"name="_csrf" value=""#.count).dropLast())
        _ = try curl([
            "-s", "-o", "/dev/null", "-c", jar, "-b", jar, "--data-urlencode", "_csrf=\(csrf)", "--data-urlencode", "nip=\(nip)", "--data-urlencode",
            "password=\(password)", base + "/masuk",
        ])
        let cookies = (try? String(contentsOfFile: jar, encoding: .utf8)) ?? ""
        guard let line = cookies.split(separator: "\n").last(where: { $0.contains("\tsesi\t") }), let value = line.split(separator: "\t").last else {
            throw ArgumentParser.ValidationError("signing in to the portal gave no session cookie")
        }
        // The page must be the employee's Beranda, not the sign-in page.
        let check = daemon.dir + "/beranda.html"
        _ = try curl(["-s", "-o", check, "-H", "Cookie: sesi=\(value)", base + "/beranda"])
        guard (try? String(contentsOfFile: check, encoding: .utf8))?.contains(nip) == true else {
            throw ArgumentParser.ValidationError("Beranda did not show \(nip)")
        }
        let out = daemon.dir + "/wrk.txt"
        let wrk = try ChildProcess(
            "/usr/bin/wrk", ["-t", "2", "-c", "16", "-d", "\(max(2, Int(seconds)))s", "--latency", "-H", "Cookie: sesi=\(value)", base + "/beranda"],
            stdout: out, stderr: "-")
        guard wrk.wait(timeout: 120) == 0 else { throw ArgumentParser.ValidationError("wrk failed") }
        let report = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        func figure(_ label: String) -> String? {
            report.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }?
                .split(separator: " ", omittingEmptySubsequences: true).dropFirst(label.split(separator: " ").count).first.map(String.init)
        }
        return [
            "connections": 16, "page": "/beranda", "pages_per_second": Double(figure("Requests/sec:") ?? "") ?? -1,
            "p50": figure("50%") ?? "?", "p99": figure("99%") ?? "?", "non_2xx": figure("Non-2xx or 3xx responses:") ?? "0",
            "portal_rss_mib": rssMiB(portal.pid),
        ]
    }

    func curl(_ arguments: [String]) throws -> Int32 {
        try ChildProcess("/usr/bin/curl", arguments, stdout: nil, stderr: nil).wait(timeout: 30) ?? -1
    }

    func rssMiB(_ pid: pid_t) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return -1 }
        return (kb / 1024).rounded(to: 1)
    }
}
