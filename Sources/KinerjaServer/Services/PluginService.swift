import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaPluginAPI
import KinerjaPluginHost
import KinerjaStore
import GRDB
import SwiftProtobuf

/// `kinerja.v1.PluginService`: what is loaded, reports, and direct hook calls.
struct PluginService: Kinerja_V1_PluginService.SimpleServiceProtocol {
    let state: DaemonState

    func listPlugins(request: Kinerja_V1_ListPluginsRequest, context: ServerContext) async throws -> Kinerja_V1_ListPluginsResponse {
        let agencyPlugin = try await Blocking.run { try state.store.pool.read { db in try OrganisationStore.agency(db).pluginID } }
        return .with {
            $0.plugins = state.plugins.plugins.map(Self.message)
            $0.directory = state.plugins.settings.directory
            $0.agencyPlugin = agencyPlugin
        }
    }

    func getPlugin(request: Kinerja_V1_GetPluginRequest, context: ServerContext) async throws -> Kinerja_V1_Plugin {
        guard let info = state.plugins.info(request.id) else {
            throw RPCError(code: .notFound, message: "no plugin '\(Quote.short(request.id))'; `kinerjactl plugin list` shows what is loaded")
        }
        return Self.message(info)
    }

    func runReport(request: Kinerja_V1_RunReportRequest, context: ServerContext) async throws -> Kinerja_V1_ReportTable {
        let info = try Self.loaded(request.pluginID, in: state.plugins)
        guard let report = info.reports.first(where: { $0.name == request.name }) else {
            let names = info.reports.map(\.name)
            throw RPCError(
                code: .notFound,
                message: "plugin \(info.id) has no report '\(Quote.short(request.name))'" + (names.isEmpty ? "" : "; it has \(names.joined(separator: ", "))"))
        }
        if report.needsPeriod && request.periodID.isEmpty {
            throw RPCError(code: .invalidArgument, message: "report \(request.name) needs a period")
        }
        let (subjects, period) = try await Blocking.run {
            try state.store.pool.read { db in (try SubjectAssembler.subjects(db, periodID: request.periodID), try SubjectAssembler.period(db, request.periodID)) }
        }
        var r = Kinerja_Plugin_V1_ReportRequest()
        r.name = request.name
        r.period = period
        r.subjects = subjects
        let answer = try await PluginErrors.mapping { try await Policy(registry: state.plugins, pluginID: info.id).report(r) }
        return .with {
            $0.title = answer.response.title
            $0.columns = answer.response.columns
            $0.rows = answer.response.rows.map { row in .with { $0.cells = row.cells } }
        }
    }

    func callHook(request: Kinerja_V1_CallHookRequest, context: ServerContext) async throws -> Kinerja_V1_CallHookResponse {
        if !request.pluginID.isEmpty && request.pluginID != NationalPolicy.id {
            _ = try Self.loaded(request.pluginID, in: state.plugins)
        }
        let policy = Policy(registry: state.plugins, pluginID: request.pluginID)
        let answer = try await PluginErrors.mapping { try await policy.callJSON(method: request.method, json: request.requestJson) }
        return .with {
            $0.responseJson = answer.response
            $0.handledBy = answer.handledBy
        }
    }

    /// The plugin, when it is loaded: NOT_FOUND when it is not, FAILED_PRECONDITION (with the reason) when it is out of service.
    static func loaded(_ id: String, in registry: PluginRegistry) throws -> PluginInfo {
        guard let info = registry.info(id), info.status == .loaded || info.status == .failed else {
            throw RPCError(code: .notFound, message: "plugin '\(Quote.short(id))' is not loaded")
        }
        if info.status == .failed { throw RPCError(code: .failedPrecondition, message: "plugin \(info.id) is out of service: \(info.error)") }
        return info
    }

    static func message(_ p: PluginInfo) -> Kinerja_V1_Plugin {
        .with {
            $0.id = p.id
            $0.version = p.version
            $0.abiVersion = p.abiVersion
            $0.path = p.path
            $0.hooks = p.hooks
            $0.status = p.status.rawValue
            $0.error = p.error
            $0.description_p = p.summary
            $0.language = p.language
            $0.sandbox = p.sandbox
            $0.reports = p.reports.map { r in
                .with {
                    $0.name = r.name
                    $0.title = r.title
                    $0.needsPeriod = r.needsPeriod
                }
            }
        }
    }
}

/// Plugin failures as RPC errors: the plugin's own message, INTERNAL for garbage, DEADLINE_EXCEEDED.
enum PluginErrors {
    static func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PluginCallError {
            switch error {
            case .notLoaded: throw RPCError(code: .failedPrecondition, message: error.description)
            case .pluginError: throw RPCError(code: .failedPrecondition, message: error.description)
            case .garbage: throw RPCError(code: .internalError, message: error.description)
            case .deadline: throw RPCError(code: .deadlineExceeded, message: error.description)
            case .crashed: throw RPCError(code: .internalError, message: error.description)
            case .failed: throw RPCError(code: .failedPrecondition, message: error.description)
            }
        } catch let error as Policy.UnknownMethod {
            throw RPCError(code: .invalidArgument, message: error.description)
        } catch let error as NationalPolicy.NoSuchReport {
            throw RPCError(code: .notFound, message: error.description)
        } catch let error as SwiftProtobuf.JSONDecodingError {
            throw RPCError(code: .invalidArgument, message: "request_json does not match the hook's request message: \(error)")
        } catch let error as RPCError {
            throw error
        }
    }
}

/// Builds the plugin `Subject`s (what the host knows about each employee) from the database.
enum SubjectAssembler {
    /// Everything the host knows about each active employee (in `unit` and its subunits when given) for `periodID`:
    /// SKP indicators with realisasi, 360° feedback, attendance months, ratings of the period and the periods inside it,
    /// and logged activity minutes. An empty `periodID` gives organisation data only.
    static func subjects(_ db: GRDB.Database, periodID: String, unit: String? = nil) throws -> [Kinerja_Plugin_V1_Subject] {
        let units = Dictionary(uniqueKeysWithValues: try OrganisationStore.units(db).map { ($0.code, $0.name) })
        let employees = try OrganisationStore.employees(db, unit: unit, subtree: unit != nil, includeInactive: false)
        var subjects: [String: Kinerja_Plugin_V1_Subject] = [:]
        for e in employees {
            subjects[e.nip] = .with {
                $0.nip = e.nip
                $0.name = e.name
                $0.unitCode = e.unitCode
                $0.unitName = units[e.unitCode] ?? ""
                $0.kind = e.kind.rawValue
                $0.golongan = e.golongan
                $0.jenisJabatan = e.jenisJabatan.rawValue
                $0.jabatanFungsional = e.jabatanFungsional?.rawValue ?? ""
                $0.kelasJabatan = Int32(e.kelasJabatan)
            }
        }
        if !periodID.isEmpty, let id = try? PeriodID(periodID), let period = try PeriodStore.find(db, id) {
            let annual = id.annual.description
            let inside = id.kind == .annual ? try PeriodStore.children(db, of: id).map(\.id.description) : []
            // Realisasi: on the period itself; for an annual period without any, each indicator's latest periodic value.
            var realisasi: [String: Row] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT * FROM realisasi WHERE skp_period_id = ? ORDER BY period_id", arguments: [annual]) {
                let periodOfRow: String = r["period_id"]
                guard periodOfRow == periodID || inside.contains(periodOfRow) else { continue }
                let key = "\(r["nip"] as String)/\(r["rhk_id"] as String)/\(r["indicator_id"] as String)"
                if periodOfRow == periodID { realisasi[key] = r; continue }
                if let existing = realisasi[key], (existing["period_id"] as String) == periodID { continue }
                realisasi[key] = r  // ascending period order: the latest periodic value wins
            }
            let sql = """
                SELECT i.*, r.kind AS rhk_kind, r.text AS rhk_text FROM indicators i
                JOIN rhk r ON r.period_id = i.period_id AND r.nip = i.nip AND r.rhk_id = i.rhk_id
                WHERE i.period_id = ? ORDER BY i.nip, r.position, i.position
                """
            for r in try Row.fetchAll(db, sql: sql, arguments: [annual]) {
                let nip: String = r["nip"]
                guard subjects[nip] != nil else { continue }
                var ind = Kinerja_Plugin_V1_Indicator()
                ind.rhkID = r["rhk_id"]; ind.rhkKind = r["rhk_kind"]; ind.rhkText = r["rhk_text"]; ind.indicatorID = r["indicator_id"]
                ind.aspect = r["aspect"]; ind.text = r["text"]; ind.targetUnit = r["target_unit"]; ind.direction = r["direction"]
                if let t: Double = r["target_value"] { ind.hasTarget_p = true; ind.target = t }
                if let x = realisasi["\(nip)/\(ind.rhkID)/\(ind.indicatorID)"] {
                    if let v: Double = x["value"] { ind.hasRealisasi_p = true; ind.realisasi = v }
                    ind.realisasiText = x["text"]
                    if !ind.realisasiText.isEmpty { ind.hasRealisasi_p = true }
                }
                subjects[nip]!.indicators.append(ind)
            }
            for r in try Row.fetchAll(db, sql: "SELECT nip, source, rating, aspects FROM feedback360 WHERE period_id = ? ORDER BY id", arguments: [periodID]) {
                let nip: String = r["nip"]
                guard subjects[nip] != nil else { continue }
                subjects[nip]!.feedback.append(.with {
                    $0.source = r["source"]
                    $0.rating = r["rating"]
                    $0.aspects = Self.aspects(r["aspects"])
                })
            }
            let first = String(period.start.description.prefix(7)), last = String(period.end.description.prefix(7))
            for r in try Row.fetchAll(db, sql: "SELECT * FROM attendance WHERE month >= ? AND month <= ? ORDER BY month", arguments: [first, last]) {
                let nip: String = r["nip"]
                guard subjects[nip] != nil else { continue }
                subjects[nip]!.attendance.append(.with {
                    $0.month = r["month"]
                    $0.attendance = .with {
                        // Stored counts are read wide and clamped: a value from before the bounds cannot trap.
                        func c(_ column: String) -> Int32 { Int32(clamping: (r[column] as Int64?) ?? 0) }
                        $0.tl1 = c("tl1"); $0.tl2 = c("tl2"); $0.tl3 = c("tl3"); $0.tl4 = c("tl4")
                        $0.psw1 = c("psw1"); $0.psw2 = c("psw2"); $0.psw3 = c("psw3"); $0.psw4 = c("psw4")
                        $0.tk = c("tk"); $0.sanctionPercent = c("sanction_percent")
                    }
                })
            }
            let ratedPeriods = [periodID] + inside
            let ratingsSQL = "SELECT * FROM ratings WHERE period_id IN (\(databaseQuestionMarks(count: ratedPeriods.count))) ORDER BY period_id"
            for r in try Row.fetchAll(db, sql: ratingsSQL, arguments: StatementArguments(ratedPeriods)) {
                let nip: String = r["nip"]
                guard subjects[nip] != nil else { continue }
                let pid: String = r["period_id"]
                subjects[nip]!.ratings.append(.with {
                    $0.periodID = pid
                    $0.periodKind = (try? PeriodID(pid))?.kind.rawValue ?? ""
                    $0.hasilKerja = r["hasil_kerja"]
                    $0.perilakuKerja = r["perilaku_kerja"]
                    $0.predikat = r["predikat"]
                    $0.aspects = Self.aspects(r["aspects"])
                })
            }
            for r in try Row.fetchAll(db, sql: "SELECT nip, sum(minutes) FROM activities WHERE date >= ? AND date <= ? GROUP BY nip",
                                      arguments: [period.start.description, period.end.description]) {
                let nip: String = r[0]
                if subjects[nip] != nil { subjects[nip]!.activityMinutes = r[1] }
            }
        }
        return employees.compactMap { subjects[$0.nip] }
    }

    static func aspects(_ json: String) -> [Kinerja_Plugin_V1_AspectRating] {
        AppraisalStore.aspects(json).sorted { $0.key.rawValue < $1.key.rawValue }.map { a in
            .with { $0.aspect = a.key.rawValue; $0.rating = a.value.rawValue }
        }
    }

    static func period(_ db: GRDB.Database, _ id: String) throws -> Kinerja_Plugin_V1_Period {
        guard let pid = try? PeriodID(id), let p = try PeriodStore.find(db, pid) else { return .with { $0.id = id } }
        return .with {
            $0.id = id
            $0.kind = pid.kind.rawValue
            $0.startDate = p.start.description
            $0.endDate = p.end.description
            $0.state = p.state.rawValue
        }
    }
}
