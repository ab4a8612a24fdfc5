import GRPCCore

/// A stream's response parts, written as frames: the metadata as HEADERS (sent with what follows), each message as
/// DATA within the client's windows, the status as trailers.
struct ResponseWriter: ClosableRPCWriterProtocol {
    typealias Element = RPCResponsePart<[UInt8]>

    let connection: ServerConnection
    let streamID: UInt32

    func write(_ element: RPCResponsePart<[UInt8]>) async throws {
        try await write(contentsOf: CollectionOfOne(element))
    }

    func write(contentsOf elements: some Sequence<RPCResponsePart<[UInt8]>>) async throws {
        for element in elements {
            switch element {
            case .metadata(let metadata):
                connection.sendMetadata(metadata, streamID: streamID)
            case .message(let bytes):
                try await connection.sendMessage(bytes, streamID: streamID)
            case .status(let status, let metadata):
                await connection.sendStatus(status, metadata: metadata, streamID: streamID)
            }
        }
    }

    func finish() async {}

    func finish(throwing error: any Error) async {
        let reason = error as? RPCError ?? RPCError(code: .internalError, message: "the response failed: \(error)")
        connection.resetStream(streamID, .internalError, because: reason)
    }
}
