import Foundation
import GRPCCore
import GRPCInProcessTransport
import KinerjaAPI
import KinerjaFixtures
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// One client per service over the same in-process connection.
struct Clients: Sendable {
    let org: Kinerja_V1_OrgService.Client<InProcessTransport.Client>
    let period: Kinerja_V1_PeriodService.Client<InProcessTransport.Client>
    let skp: Kinerja_V1_SKPService.Client<InProcessTransport.Client>
    let appraisal: Kinerja_V1_AppraisalService.Client<InProcessTransport.Client>
    let tpp: Kinerja_V1_TPPService.Client<InProcessTransport.Client>
    let reminder: Kinerja_V1_ReminderService.Client<InProcessTransport.Client>
    let admin: Kinerja_V1_AdminService.Client<InProcessTransport.Client>
    let plugin: Kinerja_V1_PluginService.Client<InProcessTransport.Client>
    let account: Kinerja_V1_AccountService.Client<InProcessTransport.Client>

    init(_ client: GRPCClient<InProcessTransport.Client>) {
        org = .init(wrapping: client)
        period = .init(wrapping: client)
        skp = .init(wrapping: client)
        appraisal = .init(wrapping: client)
        tpp = .init(wrapping: client)
        reminder = .init(wrapping: client)
        admin = .init(wrapping: client)
        plugin = .init(wrapping: client)
        account = .init(wrapping: client)
    }

    /// The metadata of an admin's call (uid 0).
    static let asAdmin = InProcessDaemon.metadata(.admin)
    static let asOperator = InProcessDaemon.metadata(.operator)
    static let asNobody = InProcessDaemon.metadata(.nobody)
    static func asGateway(for nip: String?) -> Metadata { InProcessDaemon.metadata(.gateway(actingFor: nip)) }

    // Admin shorthands for the steps most tests set up with.

    @discardableResult
    func importUnits(_ csv: String, dryRun: Bool = false) async throws -> Kinerja_V1_ImportReport {
        try await org.importUnits(
            .with {
                $0.content = Data(csv.utf8)
                $0.dryRun = dryRun
            }, metadata: Self.asAdmin)
    }

    @discardableResult
    func importEmployees(_ csv: String, dryRun: Bool = false, deactivateMissing: Bool = false) async throws -> Kinerja_V1_ImportReport {
        try await org.importEmployees(
            .with {
                $0.content = Data(csv.utf8)
                $0.dryRun = dryRun
                $0.deactivateMissing = deactivateMissing
            }, metadata: Self.asAdmin)
    }

    @discardableResult
    func importSKP(_ json: String, dryRun: Bool = false, submit: Bool = false) async throws -> Kinerja_V1_ImportReport {
        try await skp.importSKP(
            .with {
                $0.content = Data(json.utf8)
                $0.dryRun = dryRun
                $0.submit = submit
            }, metadata: Self.asAdmin)
    }

    @discardableResult
    func createPeriod(_ id: String, periodic: String = "") async throws -> [Kinerja_V1_Period] {
        try await period.createPeriod(
            .with {
                $0.id = id
                $0.periodic = periodic
            }, metadata: Self.asAdmin
        ).periods
    }

    @discardableResult
    func advance(_ id: String, times: Int = 1, force: Bool = false, reason: String = "") async throws -> Kinerja_V1_Period {
        var last = Kinerja_V1_Period()
        for _ in 0..<times {
            last = try await period.advancePeriod(
                .with {
                    $0.id = id
                    $0.force = force
                    $0.reason = reason
                }, metadata: Self.asAdmin)
        }
        return last
    }

    func getPeriod(_ id: String) async throws -> Kinerja_V1_Period {
        try await period.getPeriod(.with { $0.id = id }, metadata: Self.asAdmin)
    }

    /// Every employee, inactive ones included, as one list.
    func employees(includeInactive: Bool = true) async throws -> [Kinerja_V1_Employee] {
        try await org.listEmployees(.with { $0.includeInactive = includeInactive }, metadata: Self.asAdmin) { response in
            var all: [Kinerja_V1_Employee] = []
            for try await page in response.messages { all += page.employees }
            return all
        }
    }

    func audit() async throws -> [Kinerja_V1_AuditEntry] {
        try await admin.listAudit(.with { $0.limit = 1000 }, metadata: Self.asAdmin).entries
    }
}

extension InProcessDaemon {
    /// Runs `body` with one client per service.
    func withClients<T: Sendable>(_ body: @Sendable (Clients) async throws -> T) async throws -> T {
        try await withClient { client in try await body(Clients(client)) }
    }

    /// `ThreePersonAgency`: DINAS, SEKR, BID1 and Siti, Budi and Rina.
    static func threePersonAgency(clock: DaemonClock = .system, configure: (inout DaemonSettings) -> Void = { _ in }) async throws -> InProcessDaemon {
        let daemon = try InProcessDaemon(clock: clock, configure: configure)
        try await daemon.withClients { c in
            #expect(try await c.importUnits(ThreePersonAgency.unitsCSV).applied)
            let employees = try await c.importEmployees(ThreePersonAgency.employeesCSV)
            #expect(employees.applied, "\(employees.errors)")
        }
        return daemon
    }
}

extension Kinerja_V1_ImportReport {
    /// Every row error as `line N, column C: message` (the CLI's form), one per line.
    var errorText: String {
        errors.map { e in
            var place = e.line > 0 ? "line \(e.line)" : ""
            if !e.column.isEmpty { place += (place.isEmpty ? "" : ", ") + "column \(e.column)" }
            if !e.path.isEmpty { place += (place.isEmpty ? "" : ", ") + e.path }
            return place.isEmpty ? e.message : "\(place): \(e.message)"
        }.joined(separator: "\n")
    }
}

/// The error a call fails with (nil when it succeeds): its code and message.
func failure<T>(_ call: () async throws -> T) async -> RPCError? {
    do {
        _ = try await call()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        return RPCError(code: .unknown, message: "\(error)")
    }
}
