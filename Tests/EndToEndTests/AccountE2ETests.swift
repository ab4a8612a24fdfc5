import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KinerjaAPI
import KinerjaFixtures
import SwiftProtobuf
import Testing

/// Accounts through real processes: `kinerjactl account` as the admin, the code delivered on the log channel by the
/// outbox, and a portal's calls on the gateway socket (bcrypt at its production cost).
@Suite struct AccountE2ETests {
    func withAccounts<R: Sendable>(
        _ socket: String, _ body: (Kinerja_V1_AccountService.Client<HTTP2ClientTransport.Posix>) async throws -> R
    ) async throws -> R {
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
        return try await withGRPCClient(transport: transport) { client in try await body(Kinerja_V1_AccountService.Client(wrapping: client)) }
    }

    func code(in log: String, outbox id: Int) -> String? {
        for line in log.split(separator: "\n") where line.contains("outbox_id=\(id)") {
            if let range = line.range(of: #"[0-9A-Z]{4}(-[0-9A-Z]{4}){5}-[0-9A-Z]{2}"#, options: .regularExpression) { return String(line[range]) }
        }
        return nil
    }

    @Test func anEmployeeIsInvitedActivatesLogsInAndIsLockedOut() async throws {
        let dir = try shortTemporaryDirectory("kac")
        let gateway = dir + "/gateway.sock"
        try "gateway_socket = \"\(gateway)\"\n[accounts]\nbcrypt_cost = 12\n".write(toFile: dir + "/kinerjad.toml", atomically: true, encoding: .utf8)
        let daemon = try Daemon(extraArguments: ["--config", dir + "/kinerjad.toml"])
        try await daemon.waitReady()
        try ThreePersonAgency.unitsCSV.write(toFile: dir + "/units.csv", atomically: true, encoding: .utf8)
        try ThreePersonAgency.employeesCSV.write(toFile: dir + "/employees.csv", atomically: true, encoding: .utf8)
        #expect(try await daemon.ctl(["unit", "import", dir + "/units.csv"]).status == 0)
        #expect(try await daemon.ctl(["employee", "import", dir + "/employees.csv"]).status == 0)

        let invited = try await daemon.ctl(["account", "invite", budi, "--channel", "log", "-o", "json"])
        #expect(invited.status == 0, "\(invited.stderr)")
        let outboxID = try #require((try jsonObject(invited.stdout)["outbox_id"] as? NSNumber)?.intValue)
        #expect(
            invited.stdout.range(of: #"[0-9A-Z]{4}(-[0-9A-Z]{4}){5}-[0-9A-Z]{2}"#, options: .regularExpression) == nil, "the admin never sees the code")
        #expect(await eventually(20) { code(in: daemon.log, outbox: outboxID) != nil }, "\(daemon.log.suffix(2000))")
        let activation = try #require(code(in: daemon.log, outbox: outboxID))
        // Once delivered, the code is no longer kept in the outbox.
        #expect(
            await eventually(10) {
                let list = try? await daemon.ctl(["outbox", "list", "-o", "json"])
                return list?.stdout.contains("kode akun dihapus setelah dikirim") == true
            })

        let password = "Kinerja!Bagus-2026"
        let roles = try await withAccounts(gateway) { accounts in
            try await accounts.activate(
                .with {
                    $0.nip = budi
                    $0.code = activation
                    $0.newPassword = password
                })
        }
        #expect(roles.nip == budi)
        let login = try await withAccounts(gateway) { accounts in
            try await accounts.login(
                .with {
                    $0.nip = budi
                    $0.password = password
                    $0.clientAddress = "203.0.113.9"
                })
        }
        #expect(login.roles.staff)
        // Five wrong passwords lock the account; the right one is then refused, saying until when.
        for _ in 0..<5 {
            let wrong = await status {
                try await withAccounts(gateway) { accounts in
                    try await accounts.login(
                        .with {
                            $0.nip = budi
                            $0.password = "Salah-Sandi-123"
                        })
                }
            }
            #expect(wrong == .unauthenticated)
        }
        let locked = await status {
            try await withAccounts(gateway) { accounts in
                try await accounts.login(
                    .with {
                        $0.nip = budi
                        $0.password = password
                    })
            }
        }
        #expect(locked == .failedPrecondition)
        // On the gateway socket, issuing codes is refused; the admin sees the lockout.
        let fromGateway = try await runProcess(Binaries.kinerjactl, ["account", "invite", rina, "--socket", gateway])
        #expect(fromGateway.status == 1 && fromGateway.stderr.contains("PERMISSION_DENIED"), "\(fromGateway.stderr)")
        let list = try await daemon.ctl(["account", "list", "-o", "json"])
        let accounts = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        let entry = try #require(accounts.first { $0["nip"] as? String == budi })
        #expect(entry["status"] as? String == "active")
        #expect((entry["locked_until"] as? String)?.isEmpty == false)
        #expect(!list.stdout.contains("$2b$"))
        let audit = try await daemon.ctl(["audit", "list", "--limit", "50"])
        #expect(audit.stdout.contains("ok from 203.0.113.9"), "\(audit.stdout)")
        #expect(audit.stdout.contains("locked until"))
        #expect(await daemon.stop() == 0)
    }
}

/// The status an RPC ended with (nil when it succeeded or failed otherwise).
func status<T>(_ call: () async throws -> T) async -> RPCError.Code? {
    do {
        _ = try await call()
        return nil
    } catch {
        return (error as? RPCError)?.code
    }
}
