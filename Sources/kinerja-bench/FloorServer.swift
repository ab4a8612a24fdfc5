import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import KinerjaAPI
import KinerjaTransport
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import SwiftProtobuf

/// The transport floor (`kinerja-bench --serve-floor SOCKET`, started by the `peer` scenario): HTTP/2 frames handled on
/// the connection itself, with no stream channels and no gRPC runtime, every unary call answered at once with one
/// prepared `StatusResponse`. What a gRPC call over the Unix socket costs on this machine with SwiftNIO and nothing of
/// kinerjad's stack: the `peer` scenario's figures are measured against it.
enum FloorServer {
    /// The prepared answer (the fields kinerjad fills, with made-up values).
    static func statusResponse(socket: String) -> Kinerja_V1_StatusResponse {
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
        return status
    }

    static func run(socket: String) throws -> Never {
        let message: [UInt8] = try statusResponse(socket: socket).serializedBytes()
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

/// The gRPC floor (`kinerja-bench --serve-grpc-floor SOCKET`): grpc-swift's server on the transport kinerjad uses, with
/// kinerjad's transport settings and handlers on the event loops as kinerjad runs them, and one service answering Status
/// with the prepared response: no interceptor, no authorisation, no database. Between it and kinerjad is what kinerjad
/// itself adds to a call; between it and the transport floor, what the gRPC stack costs.
enum GRPCFloorServer {
    static func run(socket: String) async throws -> Never {
        unlink(socket)
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.http2.targetWindowSize = 16 << 20
        config.http2.maxFrameSize = 1 << 20
        let transport = HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: socket), transportSecurity: .plaintext, config: config)
        let server = GRPCServer(transport: transport, services: [StatusOnly(response: FloorServer.statusResponse(socket: socket))])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: EventLoopTaskExecutor.singleton) { try await server.serve() }
            try await group.waitForAll()
        }
        exit(0)
    }

    struct StatusOnly: RegistrableRPCService {
        let response: Kinerja_V1_StatusResponse

        func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
            let response = self.response
            router.registerHandler(
                forMethod: Kinerja_V1_AdminService.Method.Status.descriptor,
                deserializer: ProtobufDeserializer<Kinerja_V1_StatusRequest>(),
                serializer: ProtobufSerializer<Kinerja_V1_StatusResponse>()
            ) { request, _ in
                _ = try await ServerRequest(stream: request)
                return StreamingServerResponse(single: ServerResponse(message: response))
            }
        }
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
