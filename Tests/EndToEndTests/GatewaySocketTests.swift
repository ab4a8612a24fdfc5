import Foundation
import KinerjaFixtures
import Testing

/// The gateway socket: whoever can open it is a gateway and nothing more, whatever its uid and groups; only
/// gateway-level methods answer there.
@Suite(.serialized) struct GatewaySocketTests {
    func expectGatewayOnly(_ socket: String, log: () -> String) async throws {
        let who = try await runProcess(Binaries.kinerjactl, ["whoami", "-o", "json", "--socket", socket])
        #expect(who.status == 0, "\(who.stderr)\n\(log())")
        #expect(try jsonObject(who.stdout)["role"] as? String == "gateway", "root on the gateway socket is a gateway: \(who.stdout)")
        let status = try await runProcess(Binaries.kinerjactl, ["status", "--socket", socket])
        #expect(status.status == 1)
        #expect(status.stderr.contains("PERMISSION_DENIED") && status.stderr.contains("the gateway socket serves gateway calls only"), "\(status.stderr)")
        let importUnits = try await runProcess(Binaries.kinerjactl, ["employee", "list", "--socket", socket])
        #expect(importUnits.status == 1 && importUnits.stderr.contains("needs the operator role"), "\(importUnits.stderr)")
    }

    @Test func aConfiguredGatewaySocketServesGatewayCallsOnly() async throws {
        let dir = try shortTemporaryDirectory("kgw")
        let gateway = dir + "/gateway.sock"
        try "gateway_socket = \"\(gateway)\"\n".write(toFile: dir + "/kinerjad.toml", atomically: true, encoding: .utf8)
        let daemon = try Daemon(extraArguments: ["--config", dir + "/kinerjad.toml"])
        try await daemon.waitReady()
        #expect(await eventually(10) { socketAccepts(gateway) })
        try await expectGatewayOnly(gateway) { daemon.log }
        // The daemon's own socket is unchanged: root is admin there.
        let who = try jsonObject(try await daemon.ctl(["whoami", "-o", "json"]).stdout)
        #expect(who["role"] as? String == "admin")
        #expect(await daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: gateway), "the daemon removes the socket it bound")
    }

    @Test func systemdPassesBothSocketsByName() async throws {
        let dir = try shortTemporaryDirectory("kga")
        let main = dir + "/kinerja.sock"
        let gateway = dir + "/gateway.sock"
        let log = dir + "/log"
        let process = try ChildProcess(
            "/usr/bin/systemd-socket-activate",
            [
                "-l", main, "-l", gateway, "--fdname=kinerjad.socket:gateway", Binaries.kinerjad, "--state-dir", dir + "/state", "--socket",
                dir + "/unused.sock",
            ],
            environment: Daemon.environment(), stdout: log, stderr: log)
        let deadline = Date().addingTimeInterval(20)
        while !(FileManager.default.fileExists(atPath: main) && FileManager.default.fileExists(atPath: gateway)) && Date() < deadline { await pause(0.02) }
        let status = try await runProcess(Binaries.kinerjactl, ["status", "-o", "json", "--socket", main], timeout: 60)
        #expect(status.status == 0, "\(status.stderr)")
        try await expectGatewayOnly(gateway) { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        process.signal(SIGTERM)
        #expect(await process.waitAsync(timeout: 30) == 0)
    }
}
