import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real local HTTP server for the webhook tests and benchmark: records every request and answers as told.
package final class WebhookSink: @unchecked Sendable {
    package struct Request: Sendable {
        package var headers: [String: String]
        package var body: Data
        package var key: String { headers["idempotency-key"] ?? "" }
    }

    /// What to answer the `attempt`-th request (1-based) carrying one idempotency key: status and delay.
    package typealias Behaviour = @Sendable (_ key: String, _ attempt: Int) -> (status: Int, delaySeconds: Double)

    private let lock = NSLock()
    private var _requests: [Request] = []
    private var attempts: [String: Int] = [:]
    private var _count = 0
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    package let port: Int
    package var url: String { "http://127.0.0.1:\(port)/hook" }
    let behaviour: Behaviour
    let keepBodies: Bool

    package init(threads: Int = 1, keepBodies: Bool = true, behaviour: @escaping Behaviour = { _, _ in (200, 0) }) throws {
        self.behaviour = behaviour
        self.keepBodies = keepBodies
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let box = SinkBox()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 512)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(SinkHandler(box: box))
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress!.port!
        box.sink = self
    }

    func received(_ request: Request) -> (Int, Double) {
        lock.lock()
        _count += 1
        if keepBodies { _requests.append(request) }
        let n = (attempts[request.key] ?? 0) + 1
        attempts[request.key] = n
        lock.unlock()
        return behaviour(request.key, n)
    }

    package var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return _requests
    }
    package var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return _count
    }
    package func attempts(for key: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return attempts[key] ?? 0
    }

    package static func signature(_ body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    package func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

final class SinkBox: @unchecked Sendable {
    weak var sink: WebhookSink?
}

final class SinkHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let box: SinkBox
    var headers: [String: String] = [:]
    var body = Data()
    var keepAlive = true

    init(box: SinkBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            headers = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            body = Data()
            keepAlive = head.isKeepAlive
        case .body(var buffer):
            if let bytes = buffer.readBytes(length: buffer.readableBytes) { body.append(contentsOf: bytes) }
        case .end:
            let (status, delay) = box.sink?.received(WebhookSink.Request(headers: headers, body: body)) ?? (500, 0)
            let keepAlive = self.keepAlive
            let respond = {
                var h = HTTPHeaders()
                h.add(name: "Content-Length", value: "2")
                h.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
                context.write(
                    self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: h))), promise: nil)
                context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
                    if !keepAlive { bound.value.close(promise: nil) }
                }
            }
            if delay > 0 {
                let later = NIOLoopBound(respond, eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) { later.value() }
            } else {
                respond()
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
