import NIOCore
import NIOHPACK

/// A header block as it arrives: a HEADERS frame, then CONTINUATIONs until END_HEADERS with no other frame between,
/// decoded (HPACK) once whole. Bounded before it is decoded, so a block that never ends cannot grow without limit.
package struct HeaderBlockReader {
    package enum Failure: Error, Equatable {
        /// A frame other than CONTINUATION came inside a header block, or a HEADERS frame inside another.
        case interrupted
        case continuationWithoutHeaders
        case badPadding
        /// The block grew past the limit (its size so far).
        case tooLarge(Int)
        /// HPACK could not decode it: the decoder's table may now differ from the peer's.
        case undecodable(String)
    }

    package struct Block {
        package var streamID: UInt32
        package var endStream: Bool
        package var fields: [(name: String, value: String)]
    }

    private var pending: (streamID: UInt32, endStream: Bool, bytes: [UInt8])?
    private var decoder: HPACKDecoder
    private let maxBytes: Int

    package init(maxBytes: Int) {
        self.maxBytes = maxBytes
        decoder = HPACKDecoder(allocator: ByteBufferAllocator(), maxDynamicTableSize: HPACKDecoder.maxDynamicTableSize, maxHeaderListSize: maxBytes)
    }

    /// A header block has begun and not ended: only its CONTINUATIONs may come.
    package var isOpen: Bool { pending != nil }

    /// A HEADERS or CONTINUATION frame: the whole block when this frame ends it, nil while more is to come.
    package mutating func receive(_ frame: HTTP2Frame) throws(Failure) -> Block? {
        if frame.kind == .continuation {
            guard pending?.streamID == frame.streamID else { throw .continuationWithoutHeaders }
            pending!.bytes += frame.payload
        } else {
            guard frame.kind == .headers, pending == nil else { throw .interrupted }
            guard let payload = frame.unpaddedPayload() else { throw .badPadding }
            pending = (frame.streamID, frame.flags.contains(.endStream), Array(payload))
        }
        guard pending!.bytes.count <= maxBytes else { throw .tooLarge(pending!.bytes.count) }
        guard frame.flags.contains(.endHeaders), let block = pending else { return nil }
        pending = nil
        var buffer = ByteBuffer(bytes: block.bytes)
        do {
            let headers = try decoder.decodeHeaders(from: &buffer)
            return Block(streamID: block.streamID, endStream: block.endStream, fields: headers.map { (name: $0.name, value: $0.value) })
        } catch {
            throw .undecodable("\(error)")
        }
    }
}

extension HTTP2Frame {
    /// A SETTINGS payload's parameters, checked against what RFC 9113 §6.5.2 allows; the first it breaks, if any.
    package static func settingsParameters(_ payload: [UInt8]) -> Result<[(id: UInt16, value: Int)], SettingsViolation> {
        var parameters: [(id: UInt16, value: Int)] = []
        var i = 0
        while i + 6 <= payload.count {
            let id = UInt16(payload[i]) << 8 | UInt16(payload[i + 1])
            let value = Int(readUInt32(payload, at: i + 2))
            i += 6
            switch id {
            case 0x2 where value > 1: return .failure(.enablePush(value))
            case 0x4 where value > Int(Int32.max): return .failure(.initialWindow(value))
            case 0x5 where !(16_384...16_777_215).contains(value): return .failure(.maxFrameSize(value))
            default: parameters.append((id, value))
            }
        }
        return .success(parameters)
    }

    /// Applies the peer's checked parameters that change how this side sends: the initial window (its change moves
    /// every open stream's send window by the same amount, §6.9.2) and the largest frame the peer takes.
    package static func apply<Stream>(
        _ parameters: [(id: UInt16, value: Int)], initialWindow: inout Int, maxFrameSize: inout Int, streams: inout [UInt32: Stream],
        sendWindow: WritableKeyPath<Stream, Int>
    ) {
        for (id, value) in parameters {
            switch id {
            case 0x4:
                let delta = value - initialWindow
                initialWindow = value
                for key in streams.keys { streams[key]![keyPath: sendWindow] += delta }
            case 0x5:
                maxFrameSize = value
            default:
                break
            }
        }
    }

    package enum SettingsViolation: Error {
        /// SETTINGS_ENABLE_PUSH other than 0 or 1 (a PROTOCOL_ERROR).
        case enablePush(Int)
        /// SETTINGS_INITIAL_WINDOW_SIZE over 2³¹ − 1 (a FLOW_CONTROL_ERROR).
        case initialWindow(Int)
        /// SETTINGS_MAX_FRAME_SIZE outside 16,384 … 16,777,215 (a PROTOCOL_ERROR).
        case maxFrameSize(Int)
    }

    /// A header block as a HEADERS frame and as many CONTINUATIONs as `maxFrame` makes it take.
    package static func headerFrames(streamID: UInt32, block: [UInt8], endStream: Bool, maxFrame: Int) -> [UInt8] {
        var frames: [UInt8] = []
        frames.reserveCapacity(block.count + headerLength)
        var offset = 0
        var first = true
        repeat {
            let n = min(maxFrame, block.count - offset)
            var flags: Flags = offset + n == block.count ? .endHeaders : []
            if first && endStream { flags.insert(.endStream) }
            appendHeader(to: &frames, length: n, type: first ? Kind.headers.rawValue : Kind.continuation.rawValue, flags: flags, streamID: streamID)
            frames += block[offset..<offset + n]
            offset += n
            first = false
        } while offset < block.count
        return frames
    }
}

/// A stream's incoming parts as the connection's reader delivers them, each with its size on the wire; taking one
/// tells `consumed` (which gives the bytes back to the flow-control window).
package struct FlowControlledParts<Part: Sendable>: AsyncSequence, Sendable {
    package typealias Element = Part
    package typealias Failure = any Error

    let parts: AsyncThrowingStream<(Part, Int), any Error>
    let consumed: @Sendable (Int) -> Void
    /// A cancelled task that finds the parts over throws `CancellationError` (a client's call), rather than ending.
    let throwIfCancelledAtEnd: Bool

    package init(_ parts: AsyncThrowingStream<(Part, Int), any Error>, throwIfCancelledAtEnd: Bool, consumed: @escaping @Sendable (Int) -> Void) {
        self.parts = parts
        self.consumed = consumed
        self.throwIfCancelledAtEnd = throwIfCancelledAtEnd
    }

    package struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<(Part, Int), any Error>.AsyncIterator
        let consumed: @Sendable (Int) -> Void
        let throwIfCancelledAtEnd: Bool

        package mutating func next() async throws -> Part? {
            guard let (part, bytes) = try await base.next() else {
                if throwIfCancelledAtEnd && Task.isCancelled { throw CancellationError() }
                return nil
            }
            if bytes > 0 { consumed(bytes) }
            return part
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: parts.makeAsyncIterator(), consumed: consumed, throwIfCancelledAtEnd: throwIfCancelledAtEnd)
    }
}
