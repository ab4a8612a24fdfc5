import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaPluginHost
import KinerjaStore
import Logging
import SwiftProtobuf

/// `kinerja.v1.OrgService`: the agency, the unit tree and employees.
struct OrgService: Kinerja_V1_OrgService.SimpleServiceProtocol {
    let state: DaemonState
    static let pageSize = 1000

    var store: Store { state.store }

    func getAgency(request: Kinerja_V1_GetAgencyRequest, context: ServerContext) async throws -> Kinerja_V1_Agency {
        try await store.read { db in try Self.agencyMessage(db) }
    }

    func updateAgency(request: Kinerja_V1_UpdateAgencyRequest, context: ServerContext) async throws -> Kinerja_V1_Agency {
        let caller = try context.caller()
        if request.hasTimeZone {
            do { _ = try AgencyZone.validate(request.timeZone) } catch { throw RPCError(code: .invalidArgument, message: error.message) }
        }
        if request.hasName && request.name.trimmingWhitespaces.isEmpty {
            throw RPCError(code: .invalidArgument, message: "name must not be empty")
        }
        if request.hasCode, (try? UnitCode.validate(request.code)) == nil {
            throw RPCError(
                code: .invalidArgument, message: "code '\(Quote.short(request.code))' may contain only letters, digits, '.', '-', '_' and '/' (1–64 characters)"
            )
        }
        if request.hasName, let why = FieldLimit.name.check(request.name) { throw RPCError(code: .invalidArgument, message: "name \(why)") }
        // The agency's plugin must be one that is loaded ("" or "national": the built-in rules).
        if request.hasPluginID, !request.pluginID.isEmpty, request.pluginID != NationalPolicy.id {
            guard let info = state.plugins.info(request.pluginID), info.status == .loaded else {
                let loaded = state.plugins.plugins.filter { $0.status == .loaded }.map(\.id)
                throw RPCError(
                    code: .failedPrecondition,
                    message:
                        "plugin '\(Quote.short(request.pluginID))' is not loaded (loaded: \(loaded.isEmpty ? "none" : loaded.joined(separator: ", "))); list it under [plugins] load in the config and reload"
                )
            }
        }
        return try await store.write { db in
            var agency = try OrganisationStore.agency(db)
            var changes: [String] = []
            if request.hasCode {
                agency.code = request.code
                changes.append("code=\(request.code)")
            }
            if request.hasName {
                agency.name = request.name
                changes.append("name=\(request.name)")
            }
            if request.hasTimeZone {
                agency.timeZone = request.timeZone
                changes.append("time_zone=\(request.timeZone)")
            }
            if request.hasPluginID {
                agency.pluginID = request.pluginID
                changes.append("plugin_id=\(request.pluginID)")
            }
            try OrganisationStore.saveAgency(db, agency)
            try Audit.record(db, actor: caller.auditActor, rpc: "UpdateAgency", target: agency.code, summary: changes.joined(separator: ", "))
            return try Self.agencyMessage(db)
        }
    }

    static func agencyMessage(_ db: GRDB.Database) throws -> Kinerja_V1_Agency {
        let a = try OrganisationStore.agency(db)
        var m = Kinerja_V1_Agency()
        m.code = a.code
        m.name = a.name
        m.timeZone = a.timeZone
        m.pluginID = a.pluginID
        for (kelas, rupiah) in try OrganisationStore.tppBase(db) {
            m.tppBase[Int32(kelas)] = rupiah
        }
        return m
    }

    // MARK: units

    func importUnits(request: Kinerja_V1_ImportRequest, context: ServerContext) async throws -> Kinerja_V1_ImportReport {
        let caller = try context.caller()
        return try await Blocking.run {
            return try CSVImport.run(store, request.content, dryRun: request.dryRun, reads: []) { db, decoded, pending in
                let existing = Dictionary(uniqueKeysWithValues: try OrganisationStore.units(db).map { ($0.code, $0) })
                let plan = UnitImport.plan(
                    table: decoded.table, delimiter: decoded.delimiter, existing: existing,
                    activeEmployees: try OrganisationStore.activeNIPs(db),
                    unitOf: Dictionary(try OrganisationStore.activeUnits(db).map { ($0.nip, $0.unit) }, uniquingKeysWith: { a, _ in a }))
                if !plan.errors.isEmpty { return ImportReport.failed(plan.errors, dryRun: request.dryRun, rows: plan.rows) }
                if !request.dryRun && !plan.writes.isEmpty {
                    pending.add { db in
                        try OrganisationStore.upsertUnits(db, plan.writes)
                        try Audit.record(
                            db, actor: caller.auditActor, rpc: "ImportUnits", target: request.fileName,
                            summary: "\(plan.counts.added) added, \(plan.counts.updated) updated, \(plan.counts.unchanged) unchanged")
                    }
                }
                return ImportReport.succeeded(plan.counts, rows: plan.rows, dryRun: request.dryRun)
            }
        }
    }

    func listUnits(request: Kinerja_V1_ListUnitsRequest, context: ServerContext) async throws -> Kinerja_V1_ListUnitsResponse {
        try await store.read { db in
            let counts = try OrganisationStore.activeCountsByUnit(db)
            let names = try OrganisationStore.headNames(db)
            let units = try OrganisationStore.units(db)
            return .with {
                $0.units = units.map { u in
                    Self.unitMessage(u, headName: u.headNIP.flatMap { names[$0] } ?? "", active: counts[u.code] ?? 0)
                }
            }
        }
    }

    static func unitMessage(_ u: OrgUnit, headName: String, active: Int) -> Kinerja_V1_Unit {
        .with {
            $0.code = u.code
            $0.name = u.name
            $0.parentCode = u.parentCode ?? ""
            $0.headNip = u.headNIP ?? ""
            $0.headName = headName
            $0.activeEmployees = Int32(active)
        }
    }

    func setUnitHead(request: Kinerja_V1_SetUnitHeadRequest, context: ServerContext) async throws -> Kinerja_V1_Unit {
        let caller = try context.caller()
        return try await store.write { db in
            var unit = try OrganisationStore.requireUnit(db, code: request.unitCode)
            var headName = ""
            if request.nip.isEmpty {
                unit.headNIP = nil
            } else {
                let e = try EmployeeLookup.employee(db, request.nip)
                if let why = UnitHeadRules.refusal(head: e, unit: unit) { throw RPCError(code: .failedPrecondition, message: why) }
                unit.headNIP = e.nip
                headName = e.name
            }
            try OrganisationStore.upsertUnits(db, [unit])
            try Audit.record(db, actor: caller.auditActor, rpc: "SetUnitHead", target: unit.code, summary: "head \(unit.headNIP ?? "none")")
            let active = try OrganisationStore.activeCountsByUnit(db)[unit.code] ?? 0
            return Self.unitMessage(unit, headName: headName, active: active)
        }
    }

    // MARK: employees

    func importEmployees(request: Kinerja_V1_ImportRequest, context: ServerContext) async throws -> Kinerja_V1_ImportReport {
        let caller = try context.caller()
        let logger = state.logger
        return try await Blocking.run {
            let clock = ContinuousClock()
            let t0 = clock.now
            let upload: PlanningTable
            switch CSVDecoding.decode(request.content) {
            case .failure(let failure): return ImportReport.failed(failure.errors, dryRun: request.dryRun)
            case .success(let d): upload = PlanningTable(d)
            }
            let parsed = clock.now
            let work = { (db: GRDB.Database, pending: PendingWrites) throws -> Kinerja_V1_ImportReport in
                upload.release(when: pending)
                let decoded = upload.decoded
                let loaded = (try OrganisationStore.employeesByNIP(db), try OrganisationStore.unitCodes(db))
                let lastChanges = try StructureStore.lastChanges(db)
                let today = try AgencyClock.agency(db, at: state.clock.now()).today
                let t1 = clock.now
                let plan = EmployeeImport.plan(
                    table: decoded.table, delimiter: decoded.delimiter, existing: loaded.0,
                    units: loaded.1, deactivateMissing: request.deactivateMissing, today: today, lastChange: { lastChanges[$0] })
                let t2 = clock.now
                defer {
                    logger.info(
                        "employee import timing",
                        metadata: [
                            "rows": "\(plan.rows)", "parse": "\(parsed - t0)", "load": "\(t1 - parsed)", "validate": "\(t2 - t1)",
                            "write": "\(clock.now - t2)",
                        ])
                }
                if !plan.errors.isEmpty { return ImportReport.failed(plan.errors, dryRun: request.dryRun, rows: plan.rows) }
                // A head who is deactivated stops heading their unit (reported).
                let deactivated = Set(plan.writes.lazy.filter { !$0.active && (loaded.0[$0.nip]?.active ?? false) }.map(\.nip))
                let units = deactivated.isEmpty ? [] : try OrganisationStore.units(db)
                let headless = UnitHeadRules.withoutDeactivatedHeads(units, deactivated: deactivated)
                let formerHead = Dictionary(units.map { ($0.code, $0.headNIP ?? "") }, uniquingKeysWith: { a, _ in a })
                let notes = headless.map { "unit \($0.code): head \(formerHead[$0.code] ?? "") is deactivated and no longer heads it" }
                if !request.dryRun && !plan.writes.isEmpty {
                    pending.add { db in
                        try OrganisationStore.upsertEmployees(db, plan.writes)
                        try StructureStore.recordChanges(db, plan.history, now: Date())
                        if !headless.isEmpty { try OrganisationStore.upsertUnits(db, headless) }
                        let c = plan.counts
                        try Audit.record(
                            db, actor: caller.auditActor, rpc: "ImportEmployees", target: request.fileName,
                            summary: "\(c.added) added, \(c.updated) updated, \(c.unchanged) unchanged, \(c.deactivated) deactivated")
                    }
                }
                var report = ImportReport.succeeded(plan.counts, rows: plan.rows, dryRun: request.dryRun)
                report.notes = notes
                return report
            }
            return try PlannedWrite.run(store, reads: [], dryRun: request.dryRun, work)
        }
    }

    func listEmployees(
        request: Kinerja_V1_ListEmployeesRequest, response: RPCWriter<Kinerja_V1_EmployeePage>, context: ServerContext
    ) async throws {
        let unit = request.unitCode.isEmpty ? nil : request.unitCode
        let employees = try await store.read { db -> [Employee] in
            if let unit { _ = try OrganisationStore.requireUnit(db, code: unit) }
            return try OrganisationStore.employees(db, unit: unit, subtree: request.includeSubunits, includeInactive: request.includeInactive)
        }
        var start = 0
        repeat {
            let end = min(start + Self.pageSize, employees.count)
            try await response.write(.with { $0.employees = employees[start..<end].map(Self.employeeMessage) })
            start = end
        } while start < employees.count
    }

    func getEmployee(request: Kinerja_V1_GetEmployeeRequest, context: ServerContext) async throws -> Kinerja_V1_EmployeeDetail {
        let nip = request.nip.trimmingWhitespaces
        try EmployeeLookup.requireWellFormed(nip)
        let now = state.clock.now()
        return try await store.lookup { db in
            let e = try EmployeeLookup.employee(db, nip)
            let chain = SupervisorGraph.chain(above: e) { try? OrganisationStore.employee(db, nip: $0) }
            return try Kinerja_V1_EmployeeDetail.with {
                $0.employee = Self.employeeMessage(e)
                $0.unitName = try OrganisationStore.unit(db, code: e.unitCode)?.name ?? ""
                $0.supervisorChain = chain.map(Self.employeeMessage)
                $0.subordinates = try OrganisationStore.subordinates(db, of: nip).map(Self.employeeMessage)
                $0.headsUnits = try OrganisationStore.unitsHeaded(db, by: nip)
                let assignments = try StructureStore.assignments(db, of: nip)
                if !assignments.isEmpty {
                    // Whether each is current: the agency's day, read only for someone with assignments.
                    let today = try AgencyClock.agency(db, at: now).today
                    $0.acting = try assignments.map { try Self.actingMessage(db, $0, today: today) }
                }
                $0.history = try StructureStore.changes(db, nip: nip).map { c in
                    .with {
                        $0.changedOn = c.on.description
                        $0.supervisorNip = c.supervisorNIP ?? ""
                        $0.unitCode = c.unitCode
                        $0.jabatan = c.jabatan
                    }
                }
            }
        }
    }

    func exportEmployees(
        request: Kinerja_V1_ExportEmployeesRequest, response: RPCWriter<Kinerja_V1_FileChunk>, context: ServerContext
    ) async throws {
        let data = try await Blocking.run {
            let employees = try store.readNow { db in try OrganisationStore.employees(db, unit: nil, includeInactive: true) }
            return CSVDecoding.encode(header: EmployeeImport.exportColumns, rows: employees.map(Self.csvRow))
        }
        var start = 0
        while start < data.count {
            let end = min(start + (1 << 20), data.count)
            try await response.write(.with { $0.data = data.subdata(in: start..<end) })
            start = end
        }
    }

    static func csvRow(_ e: Employee) -> [String] {
        [
            e.nip, e.name, e.kind.rawValue, e.golongan, e.jabatan, e.jenisJabatan.rawValue, e.jabatanFungsional?.rawValue ?? "",
            String(e.kelasJabatan), e.unitCode, e.supervisorNIP ?? "", e.email, e.phone, e.active ? "true" : "false", e.cpns ? "true" : "false",
            e.jabatanSince?.description ?? "",
        ]
    }

    static func employeeMessage(_ e: Employee) -> Kinerja_V1_Employee {
        var m = Kinerja_V1_Employee()
        m.nip = e.nip
        m.name = e.name
        m.kind = e.kind.rawValue
        m.golongan = e.golongan
        m.jabatan = e.jabatan
        m.jenisJabatan = e.jenisJabatan.rawValue
        m.jabatanFungsional = e.jabatanFungsional?.rawValue ?? ""
        m.kelasJabatan = Int32(e.kelasJabatan)
        m.unitCode = e.unitCode
        m.supervisorNip = e.supervisorNIP ?? ""
        m.email = e.email
        m.phone = e.phone
        m.active = e.active
        m.cpns = e.cpns
        m.jabatanSince = e.jabatanSince?.description ?? ""
        return m
    }

    // MARK: reports
}
