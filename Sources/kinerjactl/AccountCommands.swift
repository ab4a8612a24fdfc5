import ArgumentParser
import Foundation
import GRPCCore
import KinerjaAPI
import SwiftProtobuf

struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Employees' portal accounts: invite, reset, disable, list.",
        subcommands: [AccountInvite.self, AccountReset.self, AccountDisable.self, AccountList.self])
}

func accountJSON(_ a: Kinerja_V1_AccountInfo) -> [String: Any] {
    [
        "nip": a.nip, "name": a.name, "status": a.status, "last_login_at": a.lastLoginAt, "failed_attempts": a.failedAttempts,
        "locked_until": a.lockedUntil, "code_expires_at": a.codeExpiresAt, "employee_inactive": a.employeeInactive,
    ]
}

enum CodeChannel: String, ExpressibleByArgument, CaseIterable {
    case email, sendmail, webhook, log
}

/// `account invite` and `account reset` share everything but the RPC.
protocol AccountCodeCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    var nip: String { get }
    var channel: CodeChannel? { get }
    static var reset: Bool { get }
}

extension AccountCodeCommand {
    func run() async throws {
        let request = Kinerja_V1_InviteAccountRequest.with {
            $0.nip = nip
            $0.channel = channel?.rawValue ?? ""
        }
        let r = try await withDaemon(global) { client, options, metadata in
            let accounts = Kinerja_V1_AccountService.Client(wrapping: client)
            return Self.reset
                ? try await accounts.resetAccount(request, metadata: metadata, options: options)
                : try await accounts.inviteAccount(request, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(["account": accountJSON(r.account), "channel": r.channel, "expires_at": r.expiresAt, "outbox_id": r.outboxID])
            return
        }
        print(
            "\(Self.reset ? "reset" : "activation") code for \(r.account.nip) (\(r.account.name)) queued on \(r.channel) as outbox message \(r.outboxID); "
                + "valid until \(r.expiresAt)")
    }
}

struct AccountInvite: AccountCodeCommand {
    static let configuration = CommandConfiguration(
        commandName: "invite",
        abstract: "Send an employee a one-time activation code (valid 72 hours) through the outbox.",
        discussion: "The code is never printed here: it goes to the employee by e-mail (sendmail), the webhook, or the daemon's log.")
    static let reset = false
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The employee's NIP.") var nip: String
    @Option(help: "email (sendmail) | webhook | log. Default: email when the employee has an address, else log.") var channel: CodeChannel?
}

struct AccountReset: AccountCodeCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset", abstract: "Send an employee a one-time code to set a new password (the old one works until it is used).")
    static let reset = true
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The employee's NIP.") var nip: String
    @Option(help: "email (sendmail) | webhook | log. Default: email when the employee has an address, else log.") var channel: CodeChannel?
}

struct AccountDisable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disable", abstract: "Stop an account from logging in (a reset enables it again).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The employee's NIP.") var nip: String
    @Option(help: "Why (audited).") var reason: String = ""

    func run() async throws {
        let a = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_AccountService.Client(wrapping: client).disableAccount(
                .with {
                    $0.nip = nip
                    $0.reason = reason
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(accountJSON(a))
            return
        }
        print("account \(a.nip) (\(a.name)) is \(a.status)")
    }
}

struct AccountList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Accounts: status, last login, failed attempts, lockout, pending code (never a hash).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "invited | active | disabled.") var status: String?

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_AccountService.Client(wrapping: client).listAccounts(.with { $0.status = status ?? "" }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(r.accounts.map(accountJSON))
            return
        }
        printTable(
            ["NIP", "NAME", "STATUS", "LAST LOGIN", "FAILED", "LOCKED UNTIL", "CODE UNTIL"],
            r.accounts.map { a in
                [
                    a.nip, a.name, a.status + (a.employeeInactive ? " (employee inactive)" : ""), a.lastLoginAt.isEmpty ? "-" : a.lastLoginAt,
                    "\(a.failedAttempts)", a.lockedUntil.isEmpty ? "-" : a.lockedUntil, a.codeExpiresAt.isEmpty ? "-" : a.codeExpiresAt,
                ]
            })
    }
}
