import GRPCCore

/// What one call's response has received so far, and what each frame of it means to the caller: the server's headers,
/// its messages, its status in the trailers (RFC 9113 framing, gRPC's PROTOCOL-HTTP2 rules). Pure: the connection feeds
/// it decoded frames and delivers what it returns.
package struct ResponseStateMachine {
    enum State: Equatable {
        case awaitingHeaders
        case receivingMessages
        case finished
    }

    enum Output {
        case part(RPCResponsePart<[UInt8]>, wireBytes: Int)
        case failed(RPCError)
    }

    private(set) var state: State = .awaitingHeaders
    private var deframer: GRPCMessageDeframer

    init(maxMessageBytes: Int) {
        deframer = GRPCMessageDeframer(maxMessageBytes: maxMessageBytes)
    }

    /// A whole header block (HEADERS and its CONTINUATIONs), as (name, value) pairs in order.
    mutating func receiveHeaders(_ headers: [(name: String, value: String)], endStream: Bool) -> [Output] {
        switch state {
        case .finished:
            return []
        case .awaitingHeaders:
            let status = headers.first(where: { $0.name == ":status" })?.value
            guard status == "200" else {
                state = .finished
                return [.failed(Self.errorForHTTPStatus(status))]
            }
            if headers.contains(where: { $0.name == "grpc-status" }) || endStream {
                // Trailers-only: the status and nothing else.
                state = .finished
                return [Self.status(from: headers)]
            }
            let contentType = headers.first(where: { $0.name == "content-type" })?.value ?? ""
            guard contentType.hasPrefix("application/grpc") else {
                state = .finished
                return [.failed(RPCError(code: .internalError, message: "the server answered with content-type '\(contentType)', not gRPC"))]
            }
            state = .receivingMessages
            return [.part(.metadata(Self.metadata(from: headers)), wireBytes: 0)]
        case .receivingMessages:
            state = .finished
            guard endStream else {
                return [.failed(RPCError(code: .internalError, message: "the server sent a second header block that does not end the stream"))]
            }
            if deframer.pendingBytes > 0 {
                return [.failed(RPCError(code: .internalError, message: "the stream ended inside a message (\(deframer.pendingBytes) bytes left over)"))]
            }
            return [Self.status(from: headers)]
        }
    }

    /// A DATA frame's payload, padding removed (the connection counts the whole frame against its window).
    mutating func receiveData(_ bytes: ArraySlice<UInt8>, endStream: Bool) -> [Output] {
        switch state {
        case .finished:
            return []
        case .awaitingHeaders:
            state = .finished
            return [.failed(RPCError(code: .internalError, message: "the server sent a message before its headers"))]
        case .receivingMessages:
            deframer.append(bytes)
            var out: [Output] = []
            do throws(GRPCMessageDeframer.Failure) {
                while let message = try deframer.next() {
                    out.append(.part(.message(message), wireBytes: message.count + 5))
                }
            } catch {
                state = .finished
                switch error {
                case .tooLarge(let length, let limit):
                    out.append(
                        .failed(
                            RPCError(code: .resourceExhausted, message: "the response message is \(length) bytes, more than the \(limit) this call accepts")))
                case .compressed:
                    out.append(.failed(RPCError(code: .internalError, message: "the server sent a compressed message this client did not ask for")))
                }
                return out
            }
            if endStream {
                state = .finished
                out.append(.failed(RPCError(code: .internalError, message: "the server ended the stream without a status")))
            }
            return out
        }
    }

    /// RST_STREAM from the server.
    mutating func receiveReset(errorCode: UInt32) -> [Output] {
        guard state != .finished else { return [] }
        state = .finished
        let code: RPCError.Code =
            switch errorCode {
            case 0x8: .cancelled  // CANCEL
            case 0x7: .unavailable  // REFUSED_STREAM
            case 0xb: .resourceExhausted  // ENHANCE_YOUR_CALM
            default: .internalError
            }
        return [.failed(RPCError(code: code, message: "kinerjad reset the stream (HTTP/2 error code \(errorCode))"))]
    }

    /// The connection ended, or failed, before the response did.
    mutating func connectionLost(_ error: RPCError) -> [Output] {
        guard state != .finished else { return [] }
        state = .finished
        return [.failed(error)]
    }

    private static func status(from headers: [(name: String, value: String)]) -> Output {
        guard let raw = headers.first(where: { $0.name == "grpc-status" })?.value else {
            return .failed(RPCError(code: .internalError, message: "the server's trailers have no grpc-status"))
        }
        guard let value = Int(raw), let code = Status.Code(rawValue: value) else {
            return .failed(RPCError(code: .internalError, message: "the server's grpc-status '\(raw)' is not a status code"))
        }
        let message = headers.first(where: { $0.name == "grpc-message" }).map { percentDecoded($0.value) } ?? ""
        return .part(.status(Status(code: code, message: message), metadata(from: headers)), wireBytes: 0)
    }

    /// The caller's metadata: every header but the pseudo-headers and those gRPC itself uses.
    package static func metadata(from headers: [(name: String, value: String)]) -> Metadata {
        var metadata = Metadata()
        for (name, value) in headers {
            if name.hasPrefix(":") { continue }
            switch name {
            case "content-type", "grpc-status", "grpc-message", "grpc-encoding", "grpc-accept-encoding", "te": continue
            default: break
            }
            if name.hasSuffix("-bin") {
                if let bytes = base64Decoded(value) {
                    metadata.addBinary(bytes, forKey: name)
                }
            } else {
                metadata.addString(value, forKey: name)
            }
        }
        return metadata
    }

    /// gRPC's mapping of a non-200 HTTP status to a code (doc/http-grpc-status-mapping.md).
    static func errorForHTTPStatus(_ status: String?) -> RPCError {
        let code: RPCError.Code =
            switch status {
            case "400": .internalError
            case "401": .unauthenticated
            case "403": .permissionDenied
            case "404": .unimplemented
            case "429", "502", "503", "504": .unavailable
            default: .unknown
            }
        return RPCError(code: code, message: "the server answered with HTTP status \(status ?? "(none)")")
    }
}

/// Base64 (with or without padding, as gRPC's binary headers may be sent), or nil when the text is not Base64.
package func base64Decoded(_ text: String) -> [UInt8]? {
    var out: [UInt8] = []
    var accumulator: UInt32 = 0
    var bits = 0
    for c in text.utf8 {
        let v: UInt32
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): v = 62
        case UInt8(ascii: "/"): v = 63
        case UInt8(ascii: "="): continue
        default: return nil
        }
        accumulator = accumulator << 6 | v
        bits += 6
        if bits >= 8 {
            bits -= 8
            out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
        }
    }
    return out
}
