import Hummingbird
import NIOCore

/// A request's context: Hummingbird's core storage, the peer's address, and request bodies bounded at 1 MiB.
struct PortalContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    var maxUploadSize: Int { 1 << 20 }
}
