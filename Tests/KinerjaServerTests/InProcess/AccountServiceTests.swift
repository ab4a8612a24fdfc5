import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// `AccountService` over the in-process transport: codes, passwords, lockout on a clock moved by hand, rights, audit.
@Suite struct AccountServiceTests {
    static let kepala = InProcessDaemon.kepala
    static let staf = InProcessDaemon.staf
    static let start = Date(timeIntervalSince1970: 1_790_000_000)
    static let password = "Kinerja!Bagus-2026"

    /// The two-person agency on a hand-moved clock, bcrypt at its least cost (4) so that the suite stays fast; the
    /// production cost is checked on its own below.
    static func daemon(cost: Int = 4) async throws -> (InProcessDaemon, ManualTime) {
        let time = ManualTime(start)
        let daemon = try await InProcessDaemon.twoPersonAgency(clock: DaemonClock(manual: time)) { $0.accounts.bcryptCost = cost }
        return (daemon, time)
    }

    /// Invites `nip` on the log channel and reads the code from the outbox message that carries it.
    static func invite(_ c: Clients, _ nip: String, reset: Bool = false) async throws -> String {
        let request = Kinerja_V1_InviteAccountRequest.with {
            $0.nip = nip
            $0.channel = "log"
        }
        let r =
            reset ? try await c.account.resetAccount(request, metadata: Clients.asAdmin) : try await c.account.inviteAccount(request, metadata: Clients.asAdmin)
        #expect(r.channel == "log")
        let outbox = try await c.reminder.listOutbox(.with { $0.limit = 100 }, metadata: Clients.asAdmin)
        let body = try #require(outbox.messages.first { $0.id == r.outboxID }?.body)
        let words: [String] = body.split(whereSeparator: \.isWhitespace).map(String.init)
        let code = try #require(words.first { (word: String) -> Bool in word.count == 32 && word.filter { $0 == "-" }.count == 6 })
        #expect(ActivationCode.normalised(code) != nil)
        return code
    }

    static func login(_ c: Clients, _ nip: String, _ password: String, from address: String = "") async throws -> Kinerja_V1_LoginResponse {
        try await c.account.login(
            .with {
                $0.nip = nip
                $0.password = password
                $0.clientAddress = address
            }, metadata: Clients.asGateway(for: nil))
    }

    static func activate(_ c: Clients, _ nip: String, _ code: String, _ password: String) async throws -> Kinerja_V1_LoginResponse {
        try await c.account.activate(
            .with {
                $0.nip = nip
                $0.code = code
                $0.newPassword = password
            }, metadata: Clients.asGateway(for: nil))
    }

    @Test func anInvitedEmployeeActivatesWithTheCodeOnceAndLogsIn() async throws {
        let (daemon, _) = try await Self.daemon()
        try await daemon.withClient { client in
            let c = Clients(client)
            let code = try await Self.invite(c, Self.kepala)
            #expect(try await c.account.listAccounts(.init(), metadata: Clients.asOperator).accounts.map(\.status) == ["invited"])
            // Wrong code, malformed code, weak passwords: refused, and the code still works afterwards.
            #expect(await status { try await Self.activate(c, Self.kepala, "0000-0000-0000-0000-0000-0000-00", Self.password) } == .unauthenticated)
            #expect(await status { try await Self.activate(c, Self.kepala, "not a code", Self.password) } == .invalidArgument)
            #expect(await status { try await Self.activate(c, Self.staf, code, Self.password) } == .unauthenticated)
            for weak in ["pendek", "bismillah123", "x\(Self.kepala)y", String(repeating: "ab", count: 40), "aaaaaaaaaaaa"] {
                #expect(await status { try await Self.activate(c, Self.kepala, code, weak) } == .invalidArgument, "\(weak)")
            }
            let activated = try await Self.activate(c, Self.kepala, code.lowercased(), Self.password)
            #expect(activated.name == "Kepala Bagian")
            #expect(activated.roles.staff)
            #expect(activated.roles.directSubordinates == 1)
            // Used up.
            #expect(await status { try await Self.activate(c, Self.kepala, code, "Another-Password-99") } == .unauthenticated)
            let login = try await Self.login(c, Self.kepala, Self.password, from: "10.1.2.3")
            #expect(login.unitCode == "U1")
            #expect(await status { try await Self.login(c, Self.kepala, "Wrong-Password-1") } == .unauthenticated)
            // An unknown NIP and a wrong password look the same.
            #expect(await status { try await Self.login(c, "199912312020121001", Self.password) } == .unauthenticated)
            #expect(await status { try await Self.login(c, "12345", Self.password) } == .invalidArgument)
            let accounts = try await c.account.listAccounts(.with { $0.status = "active" }, metadata: Clients.asOperator).accounts
            #expect(accounts.map(\.nip) == [Self.kepala])
            #expect(accounts.first?.failedAttempts == 1)
            #expect(accounts.first?.lastLoginAt.isEmpty == false)
            #expect(!"\(accounts)".contains("$2"), "a hash never leaves the daemon")
            // Every login is audited with the address the portal reported.
            let audit = try await c.admin.listAudit(.with { $0.limit = 50 }, metadata: Clients.asOperator).entries.filter { $0.rpc == "Login" }
            #expect(audit.contains { $0.target == Self.kepala && $0.summary == "ok from 10.1.2.3" })
            #expect(audit.contains { $0.target == Self.kepala && $0.summary.hasPrefix("failed: wrong password (1 of 5)") })
            #expect(audit.contains { $0.target == "199912312020121001" && $0.summary.hasPrefix("failed: no account") })
            #expect(await status { try await Self.invite(c, Self.kepala) } == .failedPrecondition, "an active account is reset, not invited")
        }
    }

    @Test func fiveFailuresInFifteenMinutesLockForFifteenMinutes() async throws {
        let (daemon, time) = try await Self.daemon()
        try await daemon.withClient { client in
            let c = Clients(client)
            _ = try await Self.activate(c, Self.staf, try await Self.invite(c, Self.staf), Self.password)
            // Four failures, then a pause longer than the window: they no longer count.
            for _ in 0..<4 { #expect(await status { try await Self.login(c, Self.staf, "Wrong-Password-1") } == .unauthenticated) }
            time.advance(by: 16 * 60)
            #expect(await status { try await Self.login(c, Self.staf, "Wrong-Password-1") } == .unauthenticated)
            #expect(try await Self.login(c, Self.staf, Self.password).nip == Self.staf)
            // Five within the window lock the account: even the right password is refused until the lock ends.
            for i in 0..<5 {
                time.advance(by: 60)
                #expect(await status { try await Self.login(c, Self.staf, "Wrong-Password-\(i)") } == .unauthenticated)
            }
            #expect(await status { try await Self.login(c, Self.staf, Self.password) } == .failedPrecondition)
            let locked = try await c.account.listAccounts(.init(), metadata: Clients.asOperator).accounts.first { $0.nip == Self.staf }
            #expect(locked?.lockedUntil == UTCTime.format(Self.start.addingTimeInterval(16 * 60 + 5 * 60 + 15 * 60)))
            time.advance(by: 14 * 60)
            #expect(await status { try await Self.login(c, Self.staf, Self.password) } == .failedPrecondition)
            time.advance(by: 61)
            #expect(try await Self.login(c, Self.staf, Self.password).nip == Self.staf)
            let audit = try await c.admin.listAudit(.with { $0.limit = 100 }, metadata: Clients.asOperator).entries
            #expect(audit.contains { $0.rpc == "Login" && $0.summary.hasPrefix("failed: wrong password: locked until") })
            #expect(audit.contains { $0.rpc == "Login" && $0.summary.hasPrefix("refused: locked until") })
        }
    }

    @Test func codesExpireDisabledAccountsCannotLogInAndAResetEnablesThem() async throws {
        let (daemon, time) = try await Self.daemon()
        try await daemon.withClient { client in
            let c = Clients(client)
            let stale = try await Self.invite(c, Self.staf)
            time.advance(by: 72 * 3600 + 1)
            #expect(await status { try await Self.activate(c, Self.staf, stale, Self.password) } == .unauthenticated)
            // A new code replaces the old one.
            let first = try await Self.invite(c, Self.staf)
            let second = try await Self.invite(c, Self.staf)
            #expect(await status { try await Self.activate(c, Self.staf, first, Self.password) } == .unauthenticated)
            _ = try await Self.activate(c, Self.staf, second, Self.password)
            let disabled = try await c.account.disableAccount(
                .with {
                    $0.nip = Self.staf
                    $0.reason = "pindah tugas"
                }, metadata: Clients.asAdmin)
            #expect(disabled.status == "disabled")
            #expect(await status { try await Self.login(c, Self.staf, Self.password) } == .permissionDenied)
            let reset = try await Self.invite(c, Self.staf, reset: true)
            // The old password still fails while disabled; the reset code sets a new one and enables the account.
            #expect(await status { try await Self.login(c, Self.staf, Self.password) } == .permissionDenied)
            _ = try await Self.activate(c, Self.staf, reset, "Sandi-Baru-Sekali-1")
            #expect(try await Self.login(c, Self.staf, "Sandi-Baru-Sekali-1").nip == Self.staf)
            #expect(await status { try await Self.login(c, Self.staf, Self.password) } == .unauthenticated)
            #expect(
                await status {
                    try await c.account.disableAccount(.with { $0.nip = Self.kepala }, metadata: Clients.asAdmin)
                } == .notFound, "no account to disable")
        }
    }

    @Test func changingAPasswordNeedsTheCurrentOneAndTheActorsOwnAccount() async throws {
        let (daemon, _) = try await Self.daemon()
        try await daemon.withClient { client in
            let c = Clients(client)
            _ = try await Self.activate(c, Self.staf, try await Self.invite(c, Self.staf), Self.password)
            func change(_ current: String, _ new: String, as who: Metadata = Clients.asGateway(for: Self.staf)) async throws {
                _ = try await c.account.changePassword(
                    .with {
                        $0.currentPassword = current
                        $0.newPassword = new
                    }, metadata: who)
            }
            #expect(await status { try await change("Wrong-Password-1", "Sandi-Baru-Sekali-1") } == .unauthenticated)
            #expect(await status { try await change(Self.password, Self.password) } == .invalidArgument)
            #expect(await status { try await change(Self.password, "pendek") } == .invalidArgument)
            #expect(await status { try await change(Self.password, "Sandi-Baru-Sekali-1", as: Clients.asGateway(for: nil)) } == .permissionDenied)
            #expect(await status { try await change(Self.password, "Sandi-Baru-Sekali-1", as: Clients.asGateway(for: Self.kepala)) } == .failedPrecondition)
            try await change(Self.password, "Sandi-Baru-Sekali-1")
            #expect(await status { try await Self.login(c, Self.staf, Self.password) } == .unauthenticated)
            #expect(try await Self.login(c, Self.staf, "Sandi-Baru-Sekali-1").nip == Self.staf)
        }
    }

    @Test func onlyAdminsIssueCodesAndGatewaysAloneCannotList() async throws {
        let (daemon, _) = try await Self.daemon()
        try await daemon.withClient { client in
            let c = Clients(client)
            let invite = Kinerja_V1_InviteAccountRequest.with {
                $0.nip = Self.staf
                $0.channel = "log"
            }
            #expect(await status { try await c.account.inviteAccount(invite, metadata: Clients.asOperator) } == .permissionDenied)
            #expect(await status { try await c.account.resetAccount(invite, metadata: Clients.asGateway(for: Self.kepala)) } == .permissionDenied)
            #expect(await status { try await c.account.listAccounts(.init(), metadata: Clients.asGateway(for: Self.kepala)) } == .permissionDenied)
            #expect(await status { try await Self.login(c, Self.staf, Self.password) } == .unauthenticated)
            #expect(
                await status {
                    try await c.account.login(
                        .with {
                            $0.nip = Self.staf
                            $0.password = Self.password
                        }, metadata: Clients.asNobody)
                } == .permissionDenied)
            var email = invite
            email.channel = "email"
            #expect(await status { try await c.account.inviteAccount(email, metadata: Clients.asAdmin) } == .failedPrecondition, "no e-mail address")
            email.channel = "pigeon"
            #expect(await status { try await c.account.inviteAccount(email, metadata: Clients.asAdmin) } == .invalidArgument)
        }
    }

    @Test func passwordsAreKeptWithBcryptAtCostTwelve() async throws {
        let (daemon, _) = try await Self.daemon(cost: 12)
        try await daemon.withClient { client in
            let c = Clients(client)
            _ = try await Self.activate(c, Self.staf, try await Self.invite(c, Self.staf), Self.password)
            #expect(try await Self.login(c, Self.staf, Self.password).nip == Self.staf)
        }
        let stored = try #require(try daemon.state.store.readNow { db in try AccountStore.account(db, nip: Self.staf) })
        #expect(stored.passwordHash.hasPrefix("$2b$12$"))
        #expect(!stored.passwordHash.contains(Self.password))
        #expect(stored.codeHash.isEmpty, "the code is used up")
    }
}

@Suite struct DeniedCallAuditTests {
    @Test func refusedCallsAreAuditedBoundedPerCallerAndTheAuditFilters() async throws {
        let daemon = try await InProcessDaemon.twoPersonAgency()
        try await daemon.withClient { client in
            let c = Clients(client)
            // A gateway acting for the staff member asks for an admin RPC, and for the head's TPP (not theirs).
            #expect(await status { try await c.account.listAccounts(.init(), metadata: Clients.asGateway(for: InProcessDaemon.staf)) } == .permissionDenied)
            #expect(
                await status {
                    try await c.tpp.show(
                        .with {
                            $0.month = "2026-01"
                            $0.nip = InProcessDaemon.kepala
                        }, metadata: Clients.asGateway(for: InProcessDaemon.staf))
                } != nil)
            // A stranger floods refusals: only `limit` of them a minute are written.
            for _ in 0..<(DeniedCallAudit.limit + 15) {
                #expect(await status { try await c.admin.status(.init(), metadata: Clients.asNobody) } == .permissionDenied)
            }
            func rows(_ filter: (inout Kinerja_V1_ListAuditRequest) -> Void) async throws -> [Kinerja_V1_AuditEntry] {
                var request = Kinerja_V1_ListAuditRequest()
                request.limit = 1_000
                filter(&request)
                return try await c.admin.listAudit(request, metadata: Clients.asOperator).entries
            }
            #expect(try await eventually { try await rows { $0.rpc = "ListAccounts" }.count == 1 })
            let listAccounts = try await rows { $0.rpc = "ListAccounts" }
            #expect(listAccounts.first?.summary.hasPrefix("denied: ListAccounts needs the operator role") == true)
            #expect(listAccounts.first?.actorNip == InProcessDaemon.staf)
            #expect(try await eventually { try await rows { $0.rpc = "Status" }.count == DeniedCallAudit.limit })
            #expect(try await rows { $0.actorNip = InProcessDaemon.staf }.allSatisfy { $0.actorNip == InProcessDaemon.staf })
            #expect(try await rows { $0.target = "2026" }.allSatisfy { $0.target == "2026" })
            #expect(try await rows { $0.target = "2026" }.contains { $0.rpc == "CreatePeriod" })
        }
    }
}

/// Polls `condition` until it holds or `timeout` seconds pass.
func eventually(_ timeout: TimeInterval = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
