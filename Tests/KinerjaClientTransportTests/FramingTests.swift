import GRPCCore
import NIOCore
import NIOHPACK
import PropertyBased
import Testing

@testable import KinerjaClientTransport

/// The byte-level parts of kinerjactl's transport: frames and gRPC messages come out whole however the socket splits
/// them, limits hold, and a response's frames mean what gRPC says they mean.
struct FramingTests {
    static let sizes = Gen.int(in: 0...40_000).array(of: 1...6)
    static let cuts = Gen.int(in: 1...9_000).array(of: 1...30)

    /// Splits `bytes` into pieces of the sizes in `cuts` (cycled), as reads from a socket might.
    static func pieces(_ bytes: [UInt8], _ cuts: [Int]) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var offset = 0
        var i = 0
        while offset < bytes.count {
            let n = min(cuts[i % cuts.count], bytes.count - offset)
            out.append(bytes[offset..<offset + n])
            offset += n
            i += 1
        }
        return out
    }

    @Test func framesComeOutWholeHoweverTheBytesArrive() async {
        await propertyCheck(count: 300, input: zip(Self.sizes, Self.cuts)) { sizes, cuts in
            let frames = sizes.enumerated().map { i, size in
                HTTP2Frame(
                    type: UInt8(i % 10), flags: .init(rawValue: UInt8(i * 37 % 256)), streamID: UInt32(i * 2 + 1),
                    payload: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) })
            }
            var reader = HTTP2FrameReader(maxFrameSize: 1 << 20)
            var out: [HTTP2Frame] = []
            for piece in Self.pieces(frames.flatMap { $0.encoded() }, cuts) {
                reader.append(piece)
                while let frame = try? reader.next() { out.append(frame) }
            }
            #expect(out == frames)
        }
    }

    @Test func aFrameLargerThanAllowedIsRefusedBeforeItsBytesArrive() {
        var reader = HTTP2FrameReader(maxFrameSize: 16_384)
        reader.append(HTTP2Frame(.data, streamID: 1, payload: []).encoded().prefix(3).map { _ in 0xff } + [0, 0, 0, 0, 0, 1])
        #expect(throws: HTTP2FrameReader.Failure.frameTooLarge(0xff_ffff)) { try reader.next() }
        var exact = HTTP2FrameReader(maxFrameSize: 16_384)
        exact.append(HTTP2Frame(.data, streamID: 1, payload: [UInt8](repeating: 7, count: 16_384)).encoded())
        #expect((try? exact.next())?.payload.count == 16_384)
    }

    @Test func messagesComeOutWholeHoweverTheFramesSplitThem() async {
        await propertyCheck(count: 300, input: zip(Self.sizes, Self.cuts)) { sizes, cuts in
            let messages = sizes.enumerated().map { i, size in (0..<size).map { UInt8(truncatingIfNeeded: $0 ^ i) } }
            let wire = messages.flatMap { grpcMessagePrefix(length: $0.count) + $0 }
            var deframer = GRPCMessageDeframer(maxMessageBytes: 1 << 20)
            var out: [[UInt8]] = []
            for piece in Self.pieces(wire, cuts) {
                deframer.append(piece)
                while let message = try? deframer.next() { out.append(message) }
            }
            #expect(out == messages)
            #expect(deframer.pendingBytes == 0)
        }
    }

    @Test func aMessageOverTheLimitOrCompressedIsRefused() {
        var deframer = GRPCMessageDeframer(maxMessageBytes: 100)
        deframer.append(grpcMessagePrefix(length: 101))
        #expect(throws: GRPCMessageDeframer.Failure.tooLarge(101, limit: 100)) { try deframer.next() }
        var compressed = GRPCMessageDeframer(maxMessageBytes: 100)
        compressed.append([1, 0, 0, 0, 1, 42])
        #expect(throws: GRPCMessageDeframer.Failure.compressed) { try compressed.next() }
    }

    @Test func paddingAndPriorityFieldsAreNotPartOfThePayload() {
        let padded = HTTP2Frame(.data, flags: .padded, streamID: 1, payload: [3, 10, 20, 0, 0, 0])
        #expect(padded.unpaddedPayload().map(Array.init) == [10, 20])
        let overPadded = HTTP2Frame(.data, flags: .padded, streamID: 1, payload: [9, 1, 2])
        #expect(overPadded.unpaddedPayload() == nil)
        let prioritised = HTTP2Frame(.headers, flags: [.priority, .endHeaders], streamID: 1, payload: [0, 0, 0, 0, 16, 0x88])
        #expect(prioritised.unpaddedPayload().map(Array.init) == [0x88])
    }

    static func parts(_ outputs: [ResponseStateMachine.Output]) -> [String] {
        outputs.map {
            switch $0 {
            case .part(.metadata(let m), _): "metadata(\(m.count))"
            case .part(.message(let bytes), let wire): "message(\(bytes.count),\(wire))"
            case .part(.status(let status, _), _): "status(\(status.code),\(status.message))"
            case .failed(let error): "failed(\(error.code))"
            }
        }
    }

    static let ok: [(name: String, value: String)] = [(":status", "200"), ("content-type", "application/grpc"), ("x-trace", "1")]

    @Test func aResponseIsHeadersMessagesAndTrailers() {
        var machine = ResponseStateMachine(maxMessageBytes: 1 << 20)
        #expect(Self.parts(machine.receiveHeaders(Self.ok, endStream: false)) == ["metadata(1)"])
        let wire = grpcMessagePrefix(length: 3) + [1, 2, 3] + grpcMessagePrefix(length: 0)
        #expect(Self.parts(machine.receiveData(wire[0..<4], endStream: false)) == [])
        #expect(Self.parts(machine.receiveData(wire[4...], endStream: false)) == ["message(3,8)", "message(0,5)"])
        let trailers = [(name: "grpc-status", value: "5"), (name: "grpc-message", value: "tidak%20ada%3A%20x")]
        #expect(Self.parts(machine.receiveHeaders(trailers, endStream: true)) == ["status(notFound,tidak ada: x)"])
        #expect(machine.state == .finished)
        #expect(Self.parts(machine.receiveData([1], endStream: true)) == [])
    }

    @Test func responsesThatBreakTheRulesEndWithAnError() {
        var trailersOnly = ResponseStateMachine(maxMessageBytes: 10)
        #expect(
            Self.parts(trailersOnly.receiveHeaders([(":status", "200"), ("grpc-status", "7")], endStream: true)) == ["status(permissionDenied,)"])
        var http = ResponseStateMachine(maxMessageBytes: 10)
        #expect(Self.parts(http.receiveHeaders([(":status", "503")], endStream: true)) == ["failed(unavailable)"])
        var notGRPC = ResponseStateMachine(maxMessageBytes: 10)
        #expect(Self.parts(notGRPC.receiveHeaders([(":status", "200"), ("content-type", "text/html")], endStream: false)) == ["failed(internalError)"])
        var early = ResponseStateMachine(maxMessageBytes: 10)
        #expect(Self.parts(early.receiveData([0, 0, 0, 0, 0], endStream: false)) == ["failed(internalError)"])
        var noStatus = ResponseStateMachine(maxMessageBytes: 10)
        _ = noStatus.receiveHeaders(Self.ok, endStream: false)
        #expect(Self.parts(noStatus.receiveData([], endStream: true)) == ["failed(internalError)"])
        var cut = ResponseStateMachine(maxMessageBytes: 10)
        _ = cut.receiveHeaders(Self.ok, endStream: false)
        _ = cut.receiveData([0, 0, 0, 0, 4, 1], endStream: false)
        #expect(Self.parts(cut.receiveHeaders([("grpc-status", "0")], endStream: true)) == ["failed(internalError)"])
        var big = ResponseStateMachine(maxMessageBytes: 10)
        _ = big.receiveHeaders(Self.ok, endStream: false)
        #expect(Self.parts(big.receiveData(grpcMessagePrefix(length: 11)[...], endStream: false)) == ["failed(resourceExhausted)"])
        var badCode = ResponseStateMachine(maxMessageBytes: 10)
        _ = badCode.receiveHeaders(Self.ok, endStream: false)
        #expect(Self.parts(badCode.receiveHeaders([("grpc-status", "99")], endStream: true)) == ["failed(internalError)"])
        var reset = ResponseStateMachine(maxMessageBytes: 10)
        #expect(Self.parts(reset.receiveReset(errorCode: 0x8)) == ["failed(cancelled)"])
        #expect(Self.parts(reset.connectionLost(RPCError(code: .unavailable, message: "x"))) == [])
    }

    @Test func binaryMetadataIsDecodedAndPercentEscapesOnlyWhenWhole() {
        let metadata = ResponseStateMachine.metadata(from: [("x-blob-bin", "AQID"), ("x-plain", "a"), (":status", "200"), ("grpc-status", "0")])
        #expect(metadata.count == 2)
        #expect(Array(metadata[binaryValues: "x-blob-bin"]) == [[1, 2, 3]])
        #expect(base64Decoded("AQIDBA==") == [1, 2, 3, 4])
        #expect(base64Decoded("not base64!") == nil)
        #expect(percentDecoded("100%") == "100%")
        #expect(percentDecoded("%zz%41") == "%zzA")
        #expect(percentDecoded("%E2%9C%93") == "✓")
    }

    @Test func statusMessagesArePercentEncodedAndComeBackWhole() async {
        #expect(percentEncoded("uid 5 may not use kinerjad") == "uid 5 may not use kinerjad")
        #expect(percentEncoded("100% é\n") == "100%25 %C3%A9%0A")
        await propertyCheck(input: Gen.character(in: "\u{1}"..."\u{2FFF}").string(of: 0...40)) { text in
            let encoded = percentEncoded(text)
            #expect(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
            #expect(percentDecoded(encoded) == text)
        }
    }

    @Test func hpackLiteralsDecodeToTheFieldsWritten() throws {
        var block: [UInt8] = []
        let fields = [("grpc-status", "3"), ("x-long", String(repeating: "v", count: 300)), (String(repeating: "k", count: 130), "")]
        for (name, value) in fields { HPACKLiteral.append(name: name, value: value, to: &block) }
        var decoder = HPACKDecoder(allocator: ByteBufferAllocator())
        var buffer = ByteBuffer(bytes: block)
        let decoded = try decoder.decodeHeaders(from: &buffer)
        #expect(decoded.map { [$0.name, $0.value] } == fields.map { [$0.0, $0.1] })
    }
}
