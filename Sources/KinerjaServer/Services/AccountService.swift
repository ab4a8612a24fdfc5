import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

/// `kinerja.v1.AccountService`: employees' portal credentials (kept here, never by a portal), activation codes and
/// the lockout. Every login is audited, failed or not.
struct AccountService: Kinerja_V1_AccountService.SimpleServiceProtocol {
    let state: DaemonState

    var store: Store { state.store }

    // MARK: admin

    func inviteAccount(request: Kinerja_V1_InviteAccountRequest, context: ServerContext) async throws -> Kinerja_V1_InviteAccountResponse {
        try await issueCode(request, purpose: "invite", rpc: "InviteAccount", context: context)
    }

    func resetAccount(request: Kinerja_V1_InviteAccountRequest, context: ServerContext) async throws -> Kinerja_V1_InviteAccountResponse {
        try await issueCode(request, purpose: "reset", rpc: "ResetAccount", context: context)
    }

    private func issueCode(
        _ request: Kinerja_V1_InviteAccountRequest, purpose: String, rpc: String, context: ServerContext
    ) async throws -> Kinerja_V1_InviteAccountResponse {
        let caller = try context.caller()
        let requested = request.channel.lowercased()
        let named: Channel?
        switch requested {
        case "": named = nil
        case "email", "sendmail": named = .sendmail
        case "webhook": named = .webhook
        case "log": named = .log
        default: throw RPCError(code: .invalidArgument, message: "channel '\(Quote.short(request.channel))' must be sendmail (email), webhook or log")
        }
        var random = SystemRandomNumberGenerator()
        let code = ActivationCode.make(using: &random)
        let now = state.clock.now()
        let expires = now.addingTimeInterval(ActivationCode.validity)
        let hash = Credentials.codeHash(ActivationCode.normalised(code)!)
        let response = try await store.write { db -> Kinerja_V1_InviteAccountResponse in
            let employee = try EmployeeLookup.employee(db, request.nip)
            guard employee.active else {
                throw RPCError(code: .failedPrecondition, message: "employee \(employee.nip) is not active: an inactive employee gets no account")
            }
            let existing = try AccountStore.account(db, nip: employee.nip)
            if purpose == "invite", let existing, existing.status == .active {
                throw RPCError(
                    code: .failedPrecondition, message: "employee \(employee.nip) already has an active account: use `account reset` for a new password")
            }
            let channel = named ?? (employee.email.isEmpty ? .log : .sendmail)
            if channel == .sendmail && employee.email.isEmpty {
                throw RPCError(code: .failedPrecondition, message: "employee \(employee.nip) has no e-mail address: choose --channel webhook or log")
            }
            try AccountStore.issueCode(db, nip: employee.nip, codeHash: hash, purpose: purpose, expiresAt: expires, now: now)
            let subject = purpose == "invite" ? "Aktivasi akun Kinerja" : "Atur ulang kata sandi Kinerja"
            let body = """
                Yth. \(employee.name),
                kode \(purpose == "invite" ? "aktivasi" : "atur ulang") akun Kinerja Anda: \(code)
                Berlaku sampai \(UTCTime.format(expires)) (72 jam) dan hanya sekali pakai. Jangan berikan kode ini kepada siapa pun.
                """
            // One message per code (two codes issued within the same instant are two messages).
            let occurrence = "\(purpose):\(UTCTime.format(now)):\(hash.prefix(12))"
            try ReminderStore.enqueue(
                db, rule: "account", occurrence: occurrence,
                [
                    OutboxMessage(
                        recipient: employee.nip, channel: channel, nip: employee.nip, name: employee.name, email: employee.email, subject: subject, body: body)
                ],
                now: now)
            let outboxID = try ReminderStore.outboxID(db, rule: "account", occurrence: occurrence, recipient: employee.nip, channel: channel) ?? 0
            try Audit.record(
                db, actor: caller.auditActor, rpc: rpc, target: employee.nip,
                summary: "\(purpose) code queued on \(channel.rawValue) (outbox \(outboxID)), valid until \(UTCTime.format(expires))", at: now)
            let record = try AccountStore.account(db, nip: employee.nip)!
            return .with {
                $0.account = info(record, now: now)
                $0.channel = channel.rawValue
                $0.expiresAt = UTCTime.format(expires)
                $0.outboxID = outboxID
            }
        }
        state.deliveryWake.signal()
        return response
    }

    func disableAccount(request: Kinerja_V1_DisableAccountRequest, context: ServerContext) async throws -> Kinerja_V1_AccountInfo {
        let caller = try context.caller()
        let reason = request.reason.trimmedBlanks
        try RequestLimits.text(reason, "reason")
        let now = state.clock.now()
        return try await store.write { db in
            let employee = try EmployeeLookup.employee(db, request.nip)
            guard try AccountStore.account(db, nip: employee.nip) != nil else {
                throw RPCError(code: .notFound, message: "employee \(employee.nip) has no account")
            }
            try AccountStore.disable(db, nip: employee.nip, now: now)
            try Audit.record(db, actor: caller.auditActor, rpc: "DisableAccount", target: employee.nip, summary: reason.isEmpty ? "disabled" : reason, at: now)
            return info(try AccountStore.account(db, nip: employee.nip)!, now: now)
        }
    }

    func listAccounts(request: Kinerja_V1_ListAccountsRequest, context: ServerContext) async throws -> Kinerja_V1_ListAccountsResponse {
        let wanted: AccountStatus?
        if request.status.isEmpty {
            wanted = nil
        } else {
            guard let s = AccountStatus(rawValue: request.status.lowercased()) else {
                throw RPCError(code: .invalidArgument, message: "status '\(Quote.short(request.status))' must be invited, active or disabled")
            }
            wanted = s
        }
        let now = state.clock.now()
        let records = try await store.read { db in try AccountStore.all(db) }
        return .with { $0.accounts = records.filter { wanted == nil || $0.status == wanted }.map { info($0, now: now) } }
    }

    // MARK: the portal, for a person

    func activate(request: Kinerja_V1_ActivateRequest, context: ServerContext) async throws -> Kinerja_V1_LoginResponse {
        let caller = try context.caller()
        try EmployeeLookup.requireWellFormed(request.nip)
        let client = try clientAddress(request.clientAddress)
        let now = state.clock.now()
        guard let code = ActivationCode.normalised(request.code) else {
            throw RPCError(code: .invalidArgument, message: "an activation code has 26 letters and digits (dashes and spaces are ignored)")
        }
        let record = try await store.read { db in try AccountStore.account(db, nip: request.nip) }
        let refusal: String? =
            if let record, !record.codeHash.isEmpty, record.codeHash == Credentials.codeHash(code) {
                if let expires = record.codeExpiresAt, expires > now {
                    record.employeeActive ? nil : "employee is not active"
                } else {
                    "the code has expired: ask for a new one"
                }
            } else {
                "the code is not valid for this NIP"
            }
        if let refusal {
            try await audit(caller, rpc: "Activate", nip: request.nip, summary: "refused: \(refusal)\(client)", at: now)
            throw RPCError(code: refusal.hasPrefix("employee") ? .permissionDenied : .unauthenticated, message: refusal)
        }
        if let why = PasswordRules.refusal(request.newPassword, nip: request.nip) {
            throw RPCError(code: .invalidArgument, message: why)
        }
        let hash = await Credentials.hash(password: request.newPassword, cost: state.settings.accounts.bcryptCost)
        return try await store.write { db in
            // The code may have been replaced or used since it was checked: check again inside the write.
            guard let current = try AccountStore.account(db, nip: request.nip), current.codeHash == record!.codeHash else {
                throw RPCError(code: .unauthenticated, message: "the code is not valid for this NIP")
            }
            try AccountStore.setPassword(db, nip: request.nip, hash: hash, now: now, clearCode: true)
            try AccountStore.recordLogin(db, nip: request.nip, at: now)
            try Audit.record(
                db, actor: caller.auditActor, rpc: "Activate", target: request.nip, summary: "password set with a \(current.codePurpose) code\(client)", at: now
            )
            return try loginResponse(db, current)
        }
    }

    func login(request: Kinerja_V1_LoginRequest, context: ServerContext) async throws -> Kinerja_V1_LoginResponse {
        let caller = try context.caller()
        try EmployeeLookup.requireWellFormed(request.nip)
        let client = try clientAddress(request.clientAddress)
        guard request.password.utf8.count <= 1_024 else { throw RPCError(code: .invalidArgument, message: "the password is too long") }
        let now = state.clock.now()
        let record = try await store.read { db in try AccountStore.account(db, nip: request.nip) }
        if let record, let until = record.lockedUntil, until > now {
            try await audit(caller, rpc: "Login", nip: request.nip, summary: "refused: locked until \(UTCTime.format(until))\(client)", at: now)
            throw RPCError(
                code: .failedPrecondition,
                message: "the account is locked until \(UTCTime.format(until)) after \(LoginLockout.maximumFailures) failed logins: try again later")
        }
        // The password is checked even for an unknown NIP or a disabled account, so that the answer's time says nothing.
        let matches = await Credentials.verify(password: request.password, hash: record?.passwordHash ?? "")
        guard let record, matches else {
            let failure = try await store.write { db -> String in
                guard let record else { return "no account" }
                var summary = "wrong password"
                if let until = LoginLockout.lockedUntil(afterFailureAt: now, earlier: record.failures) {
                    try AccountStore.lock(db, nip: record.nip, until: until)
                    summary += ": locked until \(UTCTime.format(until))"
                } else {
                    try AccountStore.recordFailure(db, nip: record.nip, at: now, keepAfter: now.addingTimeInterval(-LoginLockout.window))
                    summary += " (\(LoginLockout.counting(record.failures, now: now).count + 1) of \(LoginLockout.maximumFailures))"
                }
                return summary
            }
            try await audit(caller, rpc: "Login", nip: request.nip, summary: "failed: \(failure)\(client)", at: now)
            throw RPCError(code: .unauthenticated, message: "the NIP or the password is wrong")
        }
        if record.disabled || !record.employeeActive {
            try await audit(caller, rpc: "Login", nip: request.nip, summary: "refused: \(record.disabled ? "disabled" : "employee inactive")\(client)", at: now)
            throw RPCError(code: .permissionDenied, message: "the account is disabled: ask the HR office (kepegawaian)")
        }
        return try await store.write { db in
            try AccountStore.recordLogin(db, nip: record.nip, at: now)
            try Audit.record(db, actor: caller.auditActor, rpc: "Login", target: record.nip, summary: "ok\(client)", at: now)
            return try loginResponse(db, record)
        }
    }

    func changePassword(request: Kinerja_V1_ChangePasswordRequest, context: ServerContext) async throws -> Kinerja_V1_ChangePasswordResponse {
        let caller = try context.caller()
        let nip = caller.actorNIP
        guard !nip.isEmpty else {
            throw RPCError(code: .permissionDenied, message: "a gateway must name the employee it acts for (metadata kinerja-actor-nip) to change a password")
        }
        let client = try clientAddress(request.clientAddress)
        let now = state.clock.now()
        guard let record = try await store.read({ db in try AccountStore.account(db, nip: nip) }), record.status == .active, record.employeeActive else {
            throw RPCError(code: .failedPrecondition, message: "employee \(nip) has no active account")
        }
        guard request.currentPassword.utf8.count <= 1_024, await Credentials.verify(password: request.currentPassword, hash: record.passwordHash) else {
            try await audit(caller, rpc: "ChangePassword", nip: nip, summary: "refused: wrong current password\(client)", at: now)
            throw RPCError(code: .unauthenticated, message: "the current password is wrong")
        }
        if request.newPassword == request.currentPassword {
            throw RPCError(code: .invalidArgument, message: "the new password must differ from the current one")
        }
        if let why = PasswordRules.refusal(request.newPassword, nip: nip) { throw RPCError(code: .invalidArgument, message: why) }
        let hash = await Credentials.hash(password: request.newPassword, cost: state.settings.accounts.bcryptCost)
        try await store.write { db in
            try AccountStore.setPassword(db, nip: nip, hash: hash, now: now, clearCode: false)
            try Audit.record(db, actor: caller.auditActor, rpc: "ChangePassword", target: nip, summary: "changed\(client)", at: now)
        }
        return .init()
    }

    // MARK: helpers

    /// The client address a portal reports, for the audit line only (bounded, printable).
    private func clientAddress(_ text: String) throws -> String {
        guard !text.isEmpty else { return "" }
        guard text.utf8.count <= 100, text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw RPCError(code: .invalidArgument, message: "client_address must be at most 100 printable ASCII characters")
        }
        return " from \(text)"
    }

    private func audit(_ caller: Caller, rpc: String, nip: String, summary: String, at: Date) async throws {
        try await store.write { db in try Audit.record(db, actor: caller.auditActor, rpc: rpc, target: nip, summary: summary, at: at) }
    }

    private func loginResponse(_ db: GRDB.Database, _ record: AccountStore.Record) throws -> Kinerja_V1_LoginResponse {
        let subordinates = try OrganisationStore.directSubordinateCount(db, nip: record.nip)
        let units = try OrganisationStore.unitsHeaded(db, by: record.nip)
        return .with {
            $0.nip = record.nip
            $0.name = record.name
            $0.unitCode = record.unitCode
            $0.roles = .with {
                $0.staff = record.employeeActive
                $0.directSubordinates = Int32(subordinates)
                $0.unitHeadOf = units
            }
        }
    }

    private func info(_ r: AccountStore.Record, now: Date) -> Kinerja_V1_AccountInfo {
        .with {
            $0.nip = r.nip
            $0.name = r.name
            $0.status = r.status.rawValue
            $0.lastLoginAt = r.lastLoginAt.map(UTCTime.format) ?? ""
            $0.failedAttempts = Int32(LoginLockout.counting(r.failures, now: now).count)
            if let until = r.lockedUntil, until > now { $0.lockedUntil = UTCTime.format(until) }
            if let expires = r.codeExpiresAt, expires > now, !r.codeHash.isEmpty { $0.codeExpiresAt = UTCTime.format(expires) }
            $0.employeeInactive = !r.employeeActive
        }
    }
}
