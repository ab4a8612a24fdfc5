import Foundation
import KinerjaAPI
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import SwiftProtobuf

/// The transport floor (`kinerja-bench --serve-floor SOCKET`, started by the `floor` scenario): HTTP/2 frames handled on
/// the connection itself, with no stream channels and no gRPC runtime, every unary call answered at once with one
/// prepared `StatusResponse`. What a gRPC call over the Unix socket costs on this machine with SwiftNIO and nothing of
/// kinerjad's stack: the `peer` scenario's figures are measured against it.
enum FloorServer {
    static func run(socket: String) throws -> Never {
        var status = Kinerja_V1_StatusResponse()
        status.version = "0.1.0"
        status.pid = Int64(getpid())
        status.stateDir = "/var/lib/kinerja"
        status.socket = socket
        status.startedAt = "2026-12-07T00:00:00Z"
        status.logLevel = "info"
        status.database.path = "/var/lib/kinerja/kinerja.db"
        status.database.schemaVersion = 16
        status.database.sizeBytes = 1 << 20
        status.database.sqliteVersion = "3.40.1"
        status.caller.uid = Int64(getuid())
        status.caller.role = "admin"
        let message: [UInt8] = try status.serializedBytes()
        unlink(socket)
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let settings = [
                        HTTP2Setting(parameter: .maxConcurrentStreams, value: 100), HTTP2Setting(parameter: .maxHeaderListSize, value: 1 << 14),
                    ]
                    try channel.pipeline.syncOperations.addHandler(NIOHTTP2Handler(mode: .server, initialSettings: settings))
                    try channel.pipeline.syncOperations.addHandler(UnaryFloorHandler(message: message))
                }
            }
            .bind(unixDomainSocketPath: socket).wait()
        try channel.closeFuture.wait()
        exit(0)
    }
}

/// Answers each stream once its request has ended: response headers, the message, trailers; flushed once per read.
final class UnaryFloorHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private static let headers: HPACKHeaders = [":status": "200", "content-type": "application/grpc"]
    private static let trailers: HPACKHeaders = ["grpc-status": "0"]
    private let response: ByteBuffer
    /// Request bytes taken since the last connection-level WINDOW_UPDATE (without the stream multiplexer, the
    /// connection's window is this handler's to renew).
    private var consumed = 0
    private var unflushed = false

    init(message: [UInt8]) {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(message.count))
        buffer.writeBytes(message)
        response = buffer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .headers(let headers):
            if headers.endStream { answer(context, frame.streamID) }
        case .data(let data):
            consumed += data.data.readableBytes
            if data.endStream { answer(context, frame.streamID) }
        default:
            break
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ stream: HTTP2StreamID) {
        context.write(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: Self.headers)))), promise: nil)
        context.write(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .data(.init(data: .byteBuffer(response))))), promise: nil)
        context.write(wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(.init(headers: Self.trailers, endStream: true)))), promise: nil)
        unflushed = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if consumed >= 16_384 {
            context.write(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: consumed))), promise: nil)
            consumed = 0
            unflushed = true
        }
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
