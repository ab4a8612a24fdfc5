import GRPCCore
import KinerjaStore

/// Who is calling, as established by the daemon (never by what the client claims).
package struct Caller: Sendable, Equatable, ServerContext.TransportSpecific {
    package var credentials: PeerCredentials
    package var account: Account
    package var role: Role
    /// The employee a gateway acts for (`kinerja-actor-nip`); empty for everyone else.
    package var actorNIP: String

    package var auditActor: AuditActor {
        AuditActor(uid: Int64(credentials.uid), pid: Int64(credentials.pid), role: role.description, actorNIP: actorNIP)
    }

    /// How a record names who made it (a rating's rater, an assignment's or a sanction's author): the employee a
    /// gateway acts for, else the role and uid.
    package var recordName: String { actorNIP.isEmpty ? "\(role) uid \(credentials.uid)" : actorNIP }
}

extension ServerContext {
    /// The caller stamped by `AuthorizationInterceptor`. Every RPC passes through it, so a handler
    /// without one is a wiring bug, reported as INTERNAL rather than trusted.
    package func caller() throws -> Caller {
        guard let caller = transportSpecific as? Caller else {
            throw RPCError(code: .internalError, message: "no authenticated caller on this RPC")
        }
        return caller
    }
}
