import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// `GET /metrics` in the Prometheus text format over plain HTTP/1.1, on `[metrics] listen` (a loopback address or a
/// Unix socket unless `allow_remote`). Anything else is 404 (405 for another method). Closed on shutdown.
struct MetricsEndpoint: Service {
    let address: MetricsAddress
    let state: DaemonState

    func run() async throws {
        let metrics = state.metrics
        let store = state.store
        let databasePath = state.settings.databasePath
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(MetricsHandler { await metrics.scrape(store: store, databasePath: databasePath) })
                }
            }
            .childChannelOption(.maxMessagesPerRead, value: 1)
        let channel: any Channel
        switch address {
        case .tcp(let host, let port):
            channel = try await bootstrap.bind(host: host, port: port).get()
        case .unix(let path):
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            chmod(path, 0o660)
        }
        state.logger.notice("metrics endpoint ready", metadata: ["listen": "\(address)"])
        try? await gracefulShutdown()
        try? await channel.close()
        if case .unix(let path) = address { unlink(path) }
    }
}

/// One HTTP/1.1 connection: each request answered when its end arrives; the scrape runs off the event loop.
final class MetricsHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let scrape: @Sendable () async -> String
    private var head: HTTPRequestHead?

    init(scrape: @escaping @Sendable () async -> String) { self.scrape = scrape }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            guard path == "/metrics" else { return respond(context, head, .notFound, "not found: the metrics are at /metrics\n") }
            guard head.method == .GET || head.method == .HEAD else { return respond(context, head, .methodNotAllowed, "GET /metrics\n") }
            let promise = context.eventLoop.makePromise(of: String.self)
            let scrape = self.scrape
            promise.completeWithTask { await scrape() }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            promise.futureResult.whenSuccess { text in
                let (handler, context) = bound.value
                handler.respond(context, head, .ok, text, contentType: "text/plain; version=0.0.4; charset=utf-8")
            }
        }
    }

    func respond(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ status: HTTPResponseStatus, _ body: String, contentType: String = "text/plain") {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Cache-Control", value: "no-store")
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
            buffer.writeString(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let keepAlive = head.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [context] _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }
}
