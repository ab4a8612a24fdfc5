import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KinerjaAPI
import KinerjaClientTransport
import KinerjaFixtures
import SwiftProtobuf
import Testing

/// kinerjactl's own client transport (HTTP/2 on the Unix socket without event loops) against a real kinerjad, with
/// windows small enough that every call waits on flow control both ways, and against servers that misbehave.
@Suite(.serialized) struct ClientTransportTests {
    /// Windows of the HTTP/2 minimum, and a buffer smaller than one page of employees: the server waits on this client
    /// for every few frames, and this client on the server's windows for its own big request.
    static var tight: UnixSocketClientTransport.Configuration {
        var c = UnixSocketClientTransport.Configuration()
        c.receiveWindow = 65_535
        c.maxFrameSize = 16_384
        c.maxBufferedBytes = 20_000
        return c
    }

    /// Where a test's callers run: wherever Swift puts them, or on the connection's reading thread
    /// (`ReadingThreadExecutor`, the bench's and kinerjactl's choice), where their frames are corked and sent together.
    static let executors: [Bool] = [false, true]

    static func preferred(_ onReadingThread: Bool) -> (any TaskExecutor)? {
        onReadingThread ? ReadingThreadExecutor.shared : nil
    }

    @Test(arguments: executors) func bigRequestsAndStreamedResponsesCrossTightWindowsIntact(onReadingThread: Bool) async throws {
        let sample = SampleAgency(unitCount: 12, employeeCount: 3_000)
        let daemon = try Daemon()
        try await daemon.waitReady()
        var options = CallOptions.defaults
        options.maxRequestMessageBytes = 64 << 20
        options.maxResponseMessageBytes = 64 << 20
        let transport = UnixSocketClientTransport(path: daemon.socket, configuration: Self.tight)
        let (ours, exported) = try await withGRPCClient(transport: transport) { client in
            try await withTaskExecutorPreference(Self.preferred(onReadingThread)) {
                let org = Kinerja_V1_OrgService.Client(wrapping: client)
                let units = try await org.importUnits(.with { $0.content = sample.unitsCSV }, options: options)
                #expect(units.applied)
                // Several hundred kB in one message: many DATA frames, each waiting for the server's window (on the
                // reading thread: more than it keeps corked, written as it goes).
                #expect(sample.employeesCSV.count > 200_000)
                let employees = try await org.importEmployees(.with { $0.content = sample.employeesCSV }, options: options)
                #expect(employees.applied && employees.added == 3_000, "\(employees)")
                return try await Self.listAndExport(org, options)
            }
        }
        #expect(ours.count == 3_000)
        #expect(Set(ours).count == 3_000)
        // The same answers through grpc-swift's own transport.
        let nio = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: daemon.socket), transportSecurity: .plaintext)
        let (theirs, theirExport) = try await withGRPCClient(transport: nio) { client in
            let org = Kinerja_V1_OrgService.Client(wrapping: client)
            return try await Self.listAndExport(org, options)
        }
        #expect(ours == theirs)
        #expect(exported == theirExport && exported.count > 200_000)
        #expect(await daemon.stop() == 0)
    }

    /// Every employee's NIP from the streamed listing, and the streamed CSV export.
    static func listAndExport<T: ClientTransport>(_ org: Kinerja_V1_OrgService.Client<T>, _ options: CallOptions) async throws -> ([String], Data) {
        // Server streaming: pages taken one by one, the window given back as they are.
        let nips = try await org.listEmployees(.init(), options: options) { response in
            var nips: [String] = []
            for try await page in response.messages { nips += page.employees.map(\.nip) }
            return nips
        }
        let csv = try await org.exportEmployees(.init(), options: options) { response in
            var csv = Data()
            for try await chunk in response.messages { csv += chunk.data }
            return csv
        }
        return (nips, csv)
    }

    @Test func theServersErrorsArriveAsTheirCodesAndTheConnectionCarriesOn() async throws {
        let daemon = try Daemon()
        try await daemon.waitReady()
        let transport = UnixSocketClientTransport(path: daemon.socket)
        try await withGRPCClient(transport: transport) { client in
            let org = Kinerja_V1_OrgService.Client(wrapping: client)
            let admin = Kinerja_V1_AdminService.Client(wrapping: client)
            await #expect(throws: RPCError.self) { _ = try await org.getEmployee(.with { $0.nip = "199001012020011001" }) }
            do {
                _ = try await org.getEmployee(.with { $0.nip = "199001012020011001" })
            } catch let error as RPCError {
                #expect(error.code == .notFound, "\(error)")
                #expect(!error.message.isEmpty)
            }
            // Metadata that HTTP/2 cannot carry is refused before anything is sent, and the next call still works.
            do {
                _ = try await admin.status(.init(), metadata: ["bad key": "x"])
                Issue.record("a metadata key with a space was sent")
            } catch let error as RPCError {
                #expect(error.code == .invalidArgument, "\(error)")
            }
            do {
                _ = try await admin.status(.init(), metadata: ["kinerja-actor-nip": "1\r\nx: y"])
                Issue.record("a metadata value with a line break was sent")
            } catch let error as RPCError {
                #expect(error.code == .invalidArgument, "\(error)")
            }
            let status = try await admin.status(.init())
            #expect(status.pid > 0 && status.database.schemaVersion > 0)
        }
        #expect(await daemon.stop() == 0)
    }

    /// A long-lived client (the portal) outlives its connections: the daemon closes an idle one (GOAWAY after
    /// `idle_timeout_s`) and a restart ends every one; the next call opens a new connection either way.
    @Test(arguments: executors) func aLongLivedClientOpensANewConnectionWhenTheDaemonEndedItsLast(onReadingThread: Bool) async throws {
        let dir = try shortTemporaryDirectory("kr")
        let config = dir + "/kinerjad.toml"
        try "[server]\nidle_timeout_s = 1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let socket = dir + "/k.sock"
        var daemon = try Daemon(stateDir: dir + "/state", socket: socket, extraArguments: ["--config", config])
        try await daemon.waitReady()
        let transport = UnixSocketClientTransport(path: socket)
        try await withGRPCClient(transport: transport) { client in
            try await withTaskExecutorPreference(Self.preferred(onReadingThread)) {
                let admin = Kinerja_V1_AdminService.Client(wrapping: client)
                let firstPID = try await admin.status(.init()).pid
                // Idle for longer than the daemon keeps a connection: it says GOAWAY and closes it.
                await pause(2.5)
                #expect(try await admin.status(.init()).pid == firstPID)
                // A restart on the same socket and state: the old connection broke; a call while the daemon is down fails
                // with UNAVAILABLE, and the next one, once it is back, goes through on a new connection.
                #expect(await daemon.stop() == 0)
                do {
                    _ = try await admin.status(.init())
                    Issue.record("a call went through while no daemon listened")
                } catch let error as RPCError {
                    #expect(error.code == .unavailable, "\(error)")
                }
                daemon = try Daemon(stateDir: dir + "/state", socket: socket, extraArguments: ["--config", config])
                try await daemon.waitReady()
                let secondPID = try await admin.status(.init()).pid
                #expect(secondPID != firstPID && secondPID == daemon.pid)
            }
        }
        #expect(await daemon.stop() == 0)
    }

    /// Many callers on one connection: each stream takes its HTTP/2 id when its HEADERS go out, so ids rise in the
    /// order the server sees them whichever task gets to the socket first (a stream id lower than one already sent is a
    /// protocol error, and the daemon ends the connection with every call on it).
    @Test(arguments: executors) func concurrentCallersShareOneConnection(onReadingThread: Bool) async throws {
        let daemon = try Daemon()
        try await daemon.waitReady()
        let transport = UnixSocketClientTransport(path: daemon.socket)
        let (succeeded, notFound) = try await withGRPCClient(transport: transport) { client in
            let admin = Kinerja_V1_AdminService.Client(wrapping: client)
            let org = Kinerja_V1_OrgService.Client(wrapping: client)
            return try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for caller in 0..<32 {
                    group.addTask(executorPreference: Self.preferred(onReadingThread)) {
                        var ok = 0
                        var missing = 0
                        for call in 0..<60 {
                            if (caller + call) % 5 == 0 {
                                do {
                                    _ = try await org.getEmployee(.with { $0.nip = "199001012020011001" })
                                } catch let error as RPCError where error.code == .notFound {
                                    missing += 1
                                }
                            } else {
                                let status = try await admin.status(.init())
                                if status.pid > 0 { ok += 1 }
                            }
                        }
                        return (ok, missing)
                    }
                }
                return try await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
            }
        }
        #expect(succeeded + notFound == 32 * 60)
        #expect(notFound == 32 * 60 / 5)
        #expect(await daemon.stop() == 0)
    }

    @Test func aDaemonThatStopsEndsTheCallsWithUnavailable() async throws {
        let daemon = try Daemon()
        try await daemon.waitReady()
        let transport = UnixSocketClientTransport(path: daemon.socket)
        try await withGRPCClient(transport: transport) { client in
            let admin = Kinerja_V1_AdminService.Client(wrapping: client)
            _ = try await admin.status(.init())
            #expect(await daemon.stop() == 0)
            do {
                _ = try await admin.status(.init())
                Issue.record("a call to a stopped daemon succeeded")
            } catch let error as RPCError {
                #expect(error.code == .unavailable, "\(error)")
            }
        }
        // Nothing listening at all.
        let gone = UnixSocketClientTransport(path: daemon.socket)
        try await withGRPCClient(transport: gone) { client in
            do {
                _ = try await Kinerja_V1_AdminService.Client(wrapping: client).status(.init())
                Issue.record("a call with no daemon succeeded")
            } catch let error as RPCError {
                #expect(error.code == .unavailable, "\(error)")
            }
        }
    }

    /// A server that accepts and then does `behaviour` with the connection; the call must end with `code` within the
    /// deadline's time, never hang or crash.
    func againstFakeServer(_ behaviour: @escaping @Sendable (Int32) -> Void, timeout: Duration = .seconds(2)) async throws -> RPCError? {
        let dir = try shortTemporaryDirectory("kt")
        let path = dir + "/fake.sock"
        let listener = try listenUnix(path)
        let thread = Thread {
            let fd = accept(listener, nil, nil)
            if fd >= 0 {
                behaviour(fd)
                close(fd)
            }
        }
        thread.start()
        defer { close(listener) }
        let transport = UnixSocketClientTransport(path: path)
        var options = CallOptions.defaults
        options.timeout = timeout
        let started = ContinuousClock.now
        defer { #expect(ContinuousClock.now - started < timeout + .seconds(5)) }
        return try await withGRPCClient(transport: transport) { client in
            do {
                _ = try await Kinerja_V1_AdminService.Client(wrapping: client).status(.init(), options: options)
                return nil
            } catch let error as RPCError {
                return error
            }
        }
    }

    @Test func serversThatMisbehaveEndTheCallWithAnErrorNotAHang() async throws {
        // Silent: the deadline ends the call.
        let silent = try await againstFakeServer(
            { fd in
                var buffer = [UInt8](repeating: 0, count: 4096)
                let until = Date().addingTimeInterval(4)
                while Date() < until, read(fd, &buffer, buffer.count) > 0 {}
            }, timeout: .milliseconds(300))
        #expect(silent?.code == .deadlineExceeded, "\(String(describing: silent))")
        // Closes at once.
        let closed = try await againstFakeServer({ _ in })
        #expect(closed?.code == .unavailable, "\(String(describing: closed))")
        // Not HTTP/2 at all: a frame header announcing 16 MB.
        let garbage = try await againstFakeServer({ fd in
            let junk = Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)
            _ = junk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            usleep(200_000)
        })
        #expect(garbage?.code == .internalError, "\(String(describing: garbage))")
        // HTTP/2 that answers with a non-gRPC status: settings, then HEADERS :status 404 on stream 1 (HPACK static index 13).
        let notFound = try await againstFakeServer({ fd in
            // Until the request's HEADERS have arrived (a server cannot answer a stream not yet opened).
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var received: [UInt8] = []
            var frames = HTTP2FrameReader(maxFrameSize: 1 << 24)
            var sawHeaders = false
            while !sawHeaders {
                let n = read(fd, &buffer, buffer.count)
                guard n > 0 else { return }
                received += buffer[0..<n]
                guard received.count >= 24 else { continue }
                frames.append(received[24...])
                received = Array(received[0..<24])
                while let frame = try? frames.next() { sawHeaders = sawHeaders || frame.kind == .headers }
            }
            let settings: [UInt8] = [0, 0, 0, 4, 0, 0, 0, 0, 0]
            let headers: [UInt8] = [0, 0, 1, 1, 0x5, 0, 0, 0, 1, 0x8d]
            _ = (settings + headers).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            usleep(300_000)
        })
        #expect(notFound?.code == .unimplemented, "\(String(describing: notFound))")
    }

    private func listenUnix(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 4) == 0 else { throw DaemonFailure(message: "cannot listen on \(path)") }
        return fd
    }
}
