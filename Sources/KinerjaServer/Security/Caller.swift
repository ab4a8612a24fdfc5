import GRPCCore
import KinerjaStore

/// Who is calling, as established by the daemon (never by what the client claims).
public struct Caller: Sendable, Equatable, ServerContext.TransportSpecific {
    public var credentials: PeerCredentials
    public var account: Account
    public var role: Role
    /// The employee a gateway acts for (`kinerja-actor-nip`); empty for everyone else.
    public var actorNIP: String

    public var auditActor: AuditActor {
        AuditActor(uid: Int64(credentials.uid), pid: Int64(credentials.pid), role: role.description, actorNIP: actorNIP)
    }
}

extension ServerContext {
    /// The caller stamped by `AuthorizationInterceptor`. Every RPC passes through it, so a handler
    /// without one is a wiring bug, reported as INTERNAL rather than trusted.
    public func caller() throws -> Caller {
        guard let caller = transportSpecific as? Caller else {
            throw RPCError(code: .internalError, message: "no authenticated caller on this RPC")
        }
        return caller
    }
}
