import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import Logging
import Synchronization

/// The least role each RPC needs. An RPC missing here needs admin: new methods are closed by default.
package enum MethodPolicy {
    static let leastRole: [String: Role] = [
        Kinerja_V1_AdminService.Method.WhoAmI.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_AdminService.Method.Status.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_AdminService.Method.ListAudit.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_AdminService.Method.Reload.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_AdminService.Method.Backup.descriptor.fullyQualifiedMethod: .admin,

        Kinerja_V1_OrgService.Method.GetAgency.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_OrgService.Method.UpdateAgency.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_OrgService.Method.ImportUnits.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_OrgService.Method.ListUnits.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_OrgService.Method.SetUnitHead.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_OrgService.Method.ImportEmployees.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_OrgService.Method.ListEmployees.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_OrgService.Method.GetEmployee.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_OrgService.Method.ExportEmployees.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_OrgService.Method.ListSubordinates.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_OrgService.Method.GetOverview.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_OrgService.Method.AddActing.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_OrgService.Method.ListActing.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_OrgService.Method.EndActing.descriptor.fullyQualifiedMethod: .admin,

        Kinerja_V1_PluginService.Method.ListPlugins.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_PluginService.Method.GetPlugin.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_PluginService.Method.RunReport.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_PluginService.Method.CallHook.descriptor.fullyQualifiedMethod: .admin,

        Kinerja_V1_PeriodService.Method.CreatePeriod.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_PeriodService.Method.ListPeriods.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_PeriodService.Method.GetPeriod.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_PeriodService.Method.AdvancePeriod.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_PeriodService.Method.ReopenPeriod.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_PeriodService.Method.SetDeadline.descriptor.fullyQualifiedMethod: .admin,

        // Gateways act for one employee; the service checks that employee's rights on each call.
        Kinerja_V1_SKPService.Method.ImportSKP.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.GetSKP.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.ListSKP.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_SKPService.Method.SubmitSKP.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.ApproveSKP.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.ReturnSKP.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.ReviseSKP.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.PutSKP.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.ApproveAllSKP.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_SKPService.Method.Cascade.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_SKPService.Method.ImportRealisasi.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.GiveFeedback.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.ImportActivities.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.ListActivities.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.ListRealisasi.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.PutRealisasi.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.DeleteRealisasi.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.PutActivity.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.UpdateActivity.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_SKPService.Method.DeleteActivity.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_PeriodService.Method.ExtendDeadline.descriptor.fullyQualifiedMethod: .admin,

        Kinerja_V1_AppraisalService.Method.SetRating.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_AppraisalService.Method.ImportRatings.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_AppraisalService.Method.ImportFeedback.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_AppraisalService.Method.SuggestRating.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_AppraisalService.Method.ListFeedback.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_AppraisalService.Method.GiveFeedback360.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_AppraisalService.Method.ListFeedbackGiven.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_AppraisalService.Method.CreatePublicLink.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_AppraisalService.Method.RevokePublicLink.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_AppraisalService.Method.GetPublicLink.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_AppraisalService.Method.SubmitPublicFeedback.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_AppraisalService.Method.RateUnit.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_AppraisalService.Method.Curve.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_AppraisalService.Method.ListAppraisal.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_AppraisalService.Method.Credits.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_AppraisalService.Method.ExportSIASN.descriptor.fullyQualifiedMethod: .operator,

        Kinerja_V1_TPPService.Method.ImportBase.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_TPPService.Method.ImportAttendance.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_TPPService.Method.Compute.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_TPPService.Method.Show.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_TPPService.Method.Lock.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_TPPService.Method.Unlock.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_TPPService.Method.Export.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_TPPService.Method.SetOverride.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_TPPService.Method.ListOverrides.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_TPPService.Method.AddSanction.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_TPPService.Method.ListSanctions.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_AppraisalService.Method.DeriveRatings.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_ReminderService.Method.ListRules.descriptor.fullyQualifiedMethod: .operator,

        Kinerja_V1_AccountService.Method.InviteAccount.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_AccountService.Method.ResetAccount.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_AccountService.Method.DisableAccount.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_AccountService.Method.ListAccounts.descriptor.fullyQualifiedMethod: .operator,
        // The portal, for a person who proves who they are with a code or a password (ChangePassword: own account).
        Kinerja_V1_AccountService.Method.Activate.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_AccountService.Method.Login.descriptor.fullyQualifiedMethod: .gateway,
        Kinerja_V1_AccountService.Method.ChangePassword.descriptor.fullyQualifiedMethod: .gateway,

        Kinerja_V1_ReminderService.Method.AddRule.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_ReminderService.Method.RemoveRule.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_ReminderService.Method.EnableRule.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_ReminderService.Method.Next.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_ReminderService.Method.History.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_ReminderService.Method.Fire.descriptor.fullyQualifiedMethod: .admin,
        Kinerja_V1_ReminderService.Method.ListOutbox.descriptor.fullyQualifiedMethod: .operator,
        Kinerja_V1_ReminderService.Method.RetryOutbox.descriptor.fullyQualifiedMethod: .admin,

        Grpc_Health_V1_Health.Method.Check.descriptor.fullyQualifiedMethod: .operator,
        Grpc_Health_V1_Health.Method.Watch.descriptor.fullyQualifiedMethod: .operator,
        Grpc_Reflection_V1_ServerReflection.Method.ServerReflectionInfo.descriptor.fullyQualifiedMethod: .operator,
        Grpc_Reflection_V1alpha_ServerReflection.Method.ServerReflectionInfo.descriptor.fullyQualifiedMethod: .operator,
    ]

    /// Methods whose handlers do short, bounded work (no hashing, no scans; reads by key through `Store.lookup`): their
    /// calls run on the thread of the connection that read them, start to finish (the transport's
    /// `connectionThreadMethods`). A handler that could keep a connection's other calls waiting does not belong here.
    static let short: Set<MethodDescriptor> = [
        Kinerja_V1_AdminService.Method.WhoAmI.descriptor,
        Kinerja_V1_AdminService.Method.Status.descriptor,
        Kinerja_V1_OrgService.Method.GetEmployee.descriptor,
        Grpc_Health_V1_Health.Method.Check.descriptor,
    ]

    package static func leastRole(for method: MethodDescriptor) -> Role {
        leastRole[method.fullyQualifiedMethod] ?? .admin
    }
}

/// Who may call what, decided once for the stream gate (on the request headers, before any body is read) and again
/// by the interceptor (which hands the `Caller` to the handler).
enum Authorization {
    /// The caller's account and role, or the PERMISSION_DENIED that refuses them `method`.
    static func caller(
        _ credentials: PeerCredentials?, method: MethodDescriptor, listener: Listener, state: DaemonState
    ) -> Result<(PeerCredentials, Account, Role), RPCError> {
        guard let credentials else {
            return .failure(RPCError(code: .permissionDenied, message: "kinerjad could not establish the caller's credentials on this connection"))
        }
        let account = state.accounts.account(uid: credentials.uid, gid: credentials.gid, peerGroups: credentials.groups)
        let who = account.name.map { "uid \(credentials.uid) (\($0))" } ?? "uid \(credentials.uid)"
        if listener == .gateway {
            // The socket's file mode and group decided who may connect; on it everyone is a gateway and no more.
            let needed = MethodPolicy.leastRole(for: method)
            guard needed == .gateway else {
                return .failure(
                    RPCError(
                        code: .permissionDenied,
                        message: "\(method.method) needs the \(needed) role; the gateway socket serves gateway calls only (use the daemon's socket)"))
            }
            return .success((credentials, account, .gateway))
        }
        guard let role = state.rolePolicy.role(of: account) else {
            return .failure(
                RPCError(
                    code: .permissionDenied,
                    message:
                        "\(who) may not use kinerjad: add it to security.operator_users (or one of its groups to security.operator_groups) in \(state.configDescription)"
                ))
        }
        let needed = MethodPolicy.leastRole(for: method)
        guard role >= needed else {
            let key = needed == .admin ? "security.admin_users or security.admin_groups" : "security.operator_users or security.operator_groups"
            return .failure(
                RPCError(
                    code: .permissionDenied,
                    message: "\(method.method) needs the \(needed) role; \(who) is \(role). Grant it with \(key) in \(state.configDescription)"))
        }
        return .success((credentials, account, role))
    }

    /// The stream gate's question: may this caller send `path` (`/package.Service/Method`), and how large a message.
    /// A path that names no method of the daemon goes on for a caller with a role (the server answers UNIMPLEMENTED).
    static func verdict(_ credentials: PeerCredentials?, path: String, listener: Listener, state: DaemonState) -> StreamVerdict {
        let name = path.hasPrefix("/") ? String(path.dropFirst()) : path
        let parts = name.split(separator: "/", maxSplits: 1)
        let method = MethodDescriptor(fullyQualifiedService: parts.first.map(String.init) ?? "", method: parts.count > 1 ? String(parts[1]) : "")
        let known = MethodPolicy.leastRole[name] != nil
        switch caller(credentials, method: method, listener: listener, state: state) {
        case .success((_, _, let role)):
            return .allow(maxMessage: state.settings.limits.maxMessage(for: role))
        case .failure(let error):
            if !known, listener == .main, let credentials,
                state.rolePolicy.role(of: state.accounts.account(uid: credentials.uid, gid: credentials.gid, peerGroups: credentials.groups)) != nil
            {
                return .allow(maxMessage: state.settings.limits.gatewayMaxMessageBytes)
            }
            if let credentials {
                state.deniedCalls.record(
                    uid: credentials.uid, pid: credentials.pid, role: "", actorNIP: "", method: method.method.isEmpty ? Quote.short(name) : method.method,
                    message: error.message)
            }
            return .deny(error)
        }
    }
}

/// Establishes the caller from the peer credentials stamped by `StreamGate`, maps them to a
/// role, refuses callers below the RPC's least role, and hands the `Caller` to the handler.
struct AuthorizationInterceptor: ServerInterceptor {
    static let actorHeader = "kinerja-actor-nip"

    let state: DaemonState

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        // Every call is counted by method and status code and timed (to its last response message).
        let started = ContinuousClock.now
        let metrics = state.metrics
        let fullMethod = context.descriptor.fullyQualifiedMethod
        let measured: @Sendable (String) -> Void = { code in
            let duration = ContinuousClock.now - started
            metrics.rpc(method: fullMethod, code: code, duration: duration)
            // Whatever a long call freed goes back to the system (see `Memory.trimAfter`).
            if duration >= Memory.trimAfter { Memory.trimSoon() }
        }
        do {
            return try await authorised(request: request, context: context, next: next, measured: measured)
        } catch let error as RPCError {
            measured(StatusName.of(error.code))
            throw error
        } catch {
            measured("UNKNOWN")
            throw error
        }
    }

    private func authorised<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>,
        measured: @escaping @Sendable (String) -> Void
    ) async throws -> StreamingServerResponse<Output> {
        let stamps = Array(request.metadata[stringValues: PeerCredentials.header])
        let stamped = stamps.count == 1 ? PeerCredentials(headerValue: stamps[0]) : nil
        let listener: Listener = request.metadata[stringValues: Listener.header].contains(Listener.gateway.rawValue) ? .gateway : .main
        let (credentials, account, role): (PeerCredentials, Account, Role)
        switch Authorization.caller(stamped, method: context.descriptor, listener: listener, state: state) {
        case .success(let found): (credentials, account, role) = found
        case .failure(let error):
            if let stamped {
                // The employee the caller claimed to act for, as claimed (a caller without the gateway role has none).
                let claimed = request.metadata[stringValues: Self.actorHeader].first(where: { _ in true }).map { Quote.short($0) } ?? ""
                state.deniedCalls.record(
                    uid: stamped.uid, pid: stamped.pid, role: "", actorNIP: claimed, method: context.descriptor.method, message: error.message)
            }
            throw error
        }
        var actorNIP = ""
        if role == .gateway, let nip = request.metadata[stringValues: Self.actorHeader].first(where: { _ in true }) {
            actorNIP = nip.trimmingWhitespaces
        }
        var context = context
        context.transportSpecific = Caller(credentials: credentials, account: account, role: role, actorNIP: actorNIP)
        let method = context.descriptor.method
        let logger = state.logger
        let storage = state.settings.stateDir
        var response: StreamingServerResponse<Output>
        let denied = state.deniedCalls
        let audited = { (error: RPCError) in
            if error.code == .permissionDenied {
                denied.record(
                    uid: credentials.uid, pid: credentials.pid, role: role.description, actorNIP: Quote.short(actorNIP), method: method, message: error.message)
            }
        }
        do {
            if !actorNIP.isEmpty && method != "WhoAmI" {
                // A gateway acts only for a current employee: a deactivated one keeps no right a portal session held.
                // (WhoAmI only reports how the daemon sees the caller, the claimed actor included.)
                let nip = actorNIP
                switch try await state.actors.standing(of: nip, store: state.store) {
                case .active: break
                case .inactive:
                    throw RPCError(code: .permissionDenied, message: "\(Quote.short(nip)) is deactivated: a deactivated employee can no longer act in Kinerja")
                case .unknown:
                    throw RPCError(code: .permissionDenied, message: "the gateway acts for \(Quote.short(nip)), who is not an employee of this agency")
                }
            }
            response = try await next(request, context)
        } catch {
            let e = ErrorBoundary.rpcError(error, method: method, logger: logger, storage: storage)
            audited(e)
            throw e
        }
        // Errors thrown while the response is produced get the same treatment.
        if case .success(var contents) = response.accepted {
            let producer = contents.producer
            let importKind = method.hasPrefix("Import") ? String(method.dropFirst(6)).lowercased() : nil
            let metrics = state.metrics
            contents.producer = { writer in
                do {
                    // An import's report is counted by kind and outcome, with its rows.
                    let writer = importKind.map { kind in RPCWriter(wrapping: ImportReportTap(base: writer, kind: kind, metrics: metrics)) } ?? writer
                    let trailers = try await producer(writer)
                    measured("OK")
                    return trailers
                } catch {
                    let e = ErrorBoundary.rpcError(error, method: method, logger: logger, storage: storage)
                    measured(StatusName.of(e.code))
                    throw e
                }
            }
            response.accepted = .success(contents)
        }
        return response
    }
}

/// Passes messages on, counting an `ImportReport` among them in the import metrics.
struct ImportReportTap<Element: Sendable>: RPCWriterProtocol {
    let base: RPCWriter<Element>
    let kind: String
    let metrics: DaemonMetrics

    func write(_ element: Element) async throws {
        if let report = element as? Kinerja_V1_ImportReport {
            metrics.importDone(kind: kind, outcome: report.applied ? "applied" : report.dryRun ? "dry_run" : "refused", rows: Int(report.rows))
        }
        try await base.write(element)
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
        for e in elements { try await write(e) }
    }
}

/// gRPC's canonical names of status codes (`PERMISSION_DENIED`), as metrics and the CLI show them.
enum StatusName {
    static let names = [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
        "UNAUTHENTICATED",
    ]

    static func of(_ code: RPCError.Code) -> String {
        let i = Int(code.rawValue)
        return names.indices.contains(i) ? names[i] : "CODE_\(i)"
    }
}

/// What leaves an RPC is always an `RPCError` with a message a person can act on, of bounded size: an error the
/// services did not anticipate is logged (once, with its detail) and reaches the caller as INTERNAL, never as an
/// empty UNKNOWN; a full disk is RESOURCE_EXHAUSTED and an I/O error UNAVAILABLE, both naming the place (logged at
/// error level at most once a minute); a message longer than `maxMessage` is cut (it travels in a header).
enum ErrorBoundary {
    static let maxMessage = 4_000
    private static let lastStorageLog = Mutex<ContinuousClock.Instant?>(nil)

    static func rpcError(_ error: any Error, method: String, logger: Logger, storage: String) -> RPCError {
        if var e = error as? RPCError {
            if e.message.utf8.count > maxMessage { e.message = String(e.message.prefix(maxMessage)) + "… (cut)" }
            return e
        }
        if let e = error as? any RPCErrorConvertible { return rpcError(RPCError(e), method: method, logger: logger, storage: storage) }
        if error is CancellationError { return RPCError(code: .cancelled, message: "\(method) was cancelled") }
        if let fault = StorageFault(error, path: storage) {
            let now = ContinuousClock.now
            let due = lastStorageLog.withLock { last -> Bool in
                if let last, now - last < .seconds(60) { return false }
                last = now
                return true
            }
            if due { logger.error("storage fault", metadata: ["rpc": "\(method)", "fault": "\(fault.message)", "error": "\(error)"]) }
            return RPCError(code: fault.code, message: "\(method): \(fault.message); nothing was changed")
        }
        logger.error("unexpected error in \(method)", metadata: ["error": "\(String(describing: error).prefix(2_000))"])
        return RPCError(code: .internalError, message: "\(method) failed: \(String(describing: error).prefix(500))")
    }
}

/// A fault of the storage under the daemon (SQLite's SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN, or the same errno from
/// a file operation), with the place and the free space.
struct StorageFault {
    var code: RPCError.Code
    var message: String

    init?(_ error: any Error, path: String) {
        var full = false
        var io = false
        if let e = error as? DatabaseError {
            full = e.resultCode == .SQLITE_FULL
            io = e.resultCode == .SQLITE_IOERR || e.resultCode == .SQLITE_CANTOPEN
        } else if let e = error as? CocoaError, let underlying = e.underlying as? POSIXError {
            full = underlying.code == .ENOSPC
            io = underlying.code == .EIO
        } else if let e = error as? POSIXError {
            full = e.code == .ENOSPC
            io = e.code == .EIO
        }
        guard full || io else { return nil }
        let free = StorageFault.freeBytes(path).map { "\($0) bytes free" } ?? "free space unknown"
        if full {
            code = .resourceExhausted
            message = "disk full at \(path) (\(free))"
        } else {
            code = .unavailable
            message = "I/O error at \(path) (\(free))"
        }
    }

    static func freeBytes(_ path: String) -> Int64? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        return Int64(s.f_bavail) * Int64(s.f_frsize)
    }
}
