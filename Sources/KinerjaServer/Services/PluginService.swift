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
            throw RPCError(code: .notFound, message: "no plugin '\(request.id)'; `kinerjactl plugin list` shows what is loaded")
        }
        return Self.message(info)
    }

    func runReport(request: Kinerja_V1_RunReportRequest, context: ServerContext) async throws -> Kinerja_V1_ReportTable {
        guard let info = state.plugins.info(request.pluginID), info.status == .loaded else {
            throw RPCError(code: .notFound, message: "plugin '\(request.pluginID)' is not loaded")
        }
        guard let report = info.reports.first(where: { $0.name == request.name }) else {
            let names = info.reports.map(\.name)
            throw RPCError(
                code: .notFound,
                message: "plugin \(info.id) has no report '\(request.name)'" + (names.isEmpty ? "" : "; it has \(names.joined(separator: ", "))"))
        }
        if report.needsPeriod && request.periodID.isEmpty {
            throw RPCError(code: .invalidArgument, message: "report \(request.name) needs --period")
        }
        let subjects = try await Blocking.run { try state.store.pool.read { db in try SubjectAssembler.subjects(db, periodID: request.periodID) } }
        var r = Kinerja_Plugin_V1_ReportRequest()
        r.name = request.name
        r.period.id = request.periodID
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
            guard state.plugins.info(request.pluginID)?.status == .loaded else {
                throw RPCError(code: .notFound, message: "plugin '\(request.pluginID)' is not loaded")
            }
        }
        let policy = Policy(registry: state.plugins, pluginID: request.pluginID)
        let answer = try await PluginErrors.mapping { try await policy.callJSON(method: request.method, json: request.requestJson) }
        return .with {
            $0.responseJson = answer.response
            $0.handledBy = answer.handledBy
        }
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
    static func subjects(_ db: GRDB.Database, periodID: String) throws -> [Kinerja_Plugin_V1_Subject] {
        let units = Dictionary(uniqueKeysWithValues: try OrganisationStore.units(db).map { ($0.code, $0.name) })
        return try OrganisationStore.employees(db, unit: nil, includeInactive: false).map { e in
            .with {
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
    }
}
