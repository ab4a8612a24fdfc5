import Foundation
import GRPCCore
import GRPCInProcessTransport
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import Logging
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// The daemon's services over grpc-swift's in-process transport, on an in-memory database: the interceptor, the
/// services, the store and the core are the real ones; no socket, no process. A call names who makes it (`as:`),
/// stamped as the stream gate would stamp a socket peer's credentials.
struct InProcessDaemon {
    /// Who calls: uid 0 is an admin, 65531 an operator, 65532 a gateway (settings below), 65530 nobody.
    enum Who {
        case admin, `operator`, nobody
        case gateway(actingFor: String?)

        var uid: UInt32 {
            switch self {
            case .admin: 0
            case .operator: 65_531
            case .gateway: 65_532
            case .nobody: 65_530
            }
        }
    }

    let state: DaemonState

    init(clock: DaemonClock = .system, configure: (inout DaemonSettings) -> Void = { _ in }) throws {
        var settings = DaemonSettings.resolve(
            flags: .init(stateDir: NSTemporaryDirectory() + "kinerja-inprocess"), file: nil, environment: [:], currentDirectory: "/")
        settings.security.operatorUsers = ["65531"]
        settings.security.gatewayUsers = ["65532"]
        settings.security.operatorGroups = []
        settings.security.adminGroups = []
        configure(&settings)
        state = DaemonState(
            settings: settings, flags: .init(), store: try Store.inMemory(), socketActivated: false, logLevel: LogLevelBox(.warning),
            logger: Logger(label: "kinerja.inprocess"), clock: clock)
    }

    /// Runs `body` with a client connected to the services.
    func withClient<T: Sendable>(_ body: @Sendable (GRPCClient<InProcessTransport.Client>) async throws -> T) async throws -> T {
        let transport = InProcessTransport()
        let server = GRPCServer(transport: transport.server, services: RPCServices.all(state: state), interceptors: RPCServices.interceptors(state: state))
        return try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            return try await withGRPCClient(transport: transport.client) { client in try await body(client) }
        }
    }

    /// The metadata a call carries for `who`.
    static func metadata(_ who: Who) -> Metadata {
        var m: Metadata = ["kinerja-peer-cred": "\(who.uid):\(who.uid):1:"]
        if case .gateway(let nip?) = who { m.addString(nip, forKey: "kinerja-actor-nip") }
        return m
    }
}

extension InProcessDaemon {
    static let kepala = "198501012010011001"
    static let staf = "199002022015022002"

    /// An agency of two in unit U1 — a head (kelas 9) and one staff member (kelas 7) under them — with a 2026 period
    /// and its monthly periods.
    static func twoPersonAgency(clock: DaemonClock = .system, configure: (inout DaemonSettings) -> Void = { _ in }) async throws -> InProcessDaemon {
        let daemon = try InProcessDaemon(clock: clock, configure: configure)
        try await daemon.withClient { client in
            let org = Kinerja_V1_OrgService.Client(wrapping: client)
            let admin = metadata(.admin)
            let units = try await org.importUnits(.with { $0.content = Data("code,name,parent_code\nU1,Bagian Umum,\n".utf8) }, metadata: admin)
            #expect(units.applied)
            let employees = """
                nip,name,kind,golongan,jenis_jabatan,kelas_jabatan,unit_code,supervisor_nip
                \(kepala),Kepala Bagian,PNS,IV/a,administrator,9,U1,
                \(staf),Staf Umum,PNS,III/a,pelaksana,7,U1,\(kepala)
                """
            let imported = try await org.importEmployees(.with { $0.content = Data(employees.utf8) }, metadata: admin)
            #expect(imported.applied, "\(imported.errors)")
            _ = try await Kinerja_V1_PeriodService.Client(wrapping: client).createPeriod(
                .with {
                    $0.id = "2026"
                    $0.periodic = "monthly"
                }, metadata: admin)
        }
        return daemon
    }
}

extension RPCError.Code {
    /// The status an error thrown by a client call carries (nil when it is not an `RPCError`).
    static func of(_ error: any Error) -> RPCError.Code? { (error as? RPCError)?.code }
}

/// The status a call ended with: `.ok` or its error code.
func status<T>(_ call: () async throws -> T) async -> RPCError.Code? {
    do {
        _ = try await call()
        return nil
    } catch {
        return RPCError.Code.of(error) ?? .unknown
    }
}
