import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaClientTransport
import SwiftProtobuf

/// The portal's one connection to `kinerjad`'s gateway socket, shared by every request. The portal decides no right:
/// it names the signed-in employee in `kinerja-actor-nip` and the daemon answers or refuses.
struct DaemonLink: Sendable {
    let client: GRPCClient<UnixSocketClientTransport>

    /// Through Kinerja's own client transport (a connection read by one thread, no event loops; a new connection when
    /// the daemon restarts or closes an idle one).
    static func make(socket: String) throws -> DaemonLink {
        DaemonLink(client: GRPCClient(transport: UnixSocketClientTransport(path: socket)))
    }

    var accounts: Kinerja_V1_AccountService.Client<UnixSocketClientTransport> { .init(wrapping: client) }
    var org: Kinerja_V1_OrgService.Client<UnixSocketClientTransport> { .init(wrapping: client) }
    var skp: Kinerja_V1_SKPService.Client<UnixSocketClientTransport> { .init(wrapping: client) }
    var appraisal: Kinerja_V1_AppraisalService.Client<UnixSocketClientTransport> { .init(wrapping: client) }
    var tpp: Kinerja_V1_TPPService.Client<UnixSocketClientTransport> { .init(wrapping: client) }
    var periods: Kinerja_V1_PeriodService.Client<UnixSocketClientTransport> { .init(wrapping: client) }

    /// Calls made for `nip`.
    static func acting(_ nip: String) -> Metadata {
        var m = Metadata()
        m.addString(nip, forKey: "kinerja-actor-nip")
        return m
    }

    /// The overview of `nip` as `actor` sees it (the current year).
    func overview(of nip: String, as actor: String) async throws -> Kinerja_V1_Overview {
        try await org.getOverview(.with { $0.nip = nip }, metadata: Self.acting(actor), options: Self.options)
    }

    /// The SKP of `nip` for the annual period `year`, as `actor` sees it.
    func skp(of nip: String, year: String, as actor: String) async throws -> Kinerja_V1_SKP {
        try await skp.getSKP(
            .with {
                $0.nip = nip
                $0.periodID = year
            }, metadata: Self.acting(actor), options: Self.options)
    }

    static var options: CallOptions {
        var o = CallOptions.defaults
        o.timeout = .seconds(20)
        o.waitForReady = false
        return o
    }
}
