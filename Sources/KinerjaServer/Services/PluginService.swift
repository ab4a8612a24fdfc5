import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaPluginAPI
import KinerjaPluginHost
import KinerjaStore
import SwiftProtobuf

/// `kinerja.v1.PluginService`: what is loaded, reports, and direct hook calls.
struct PluginService: Kinerja_V1_PluginService.SimpleServiceProtocol {
    let state: DaemonState

    func listPlugins(request: Kinerja_V1_ListPluginsRequest, context: ServerContext) async throws -> Kinerja_V1_ListPluginsResponse {
        let agencyPlugin = try await state.store.read { db in try OrganisationStore.agency(db).pluginID }
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
        let (subjects, period) = try await state.store.read { db in
            let id = try? PeriodID(request.periodID)
            let record = try id.flatMap { try PeriodStore.find(db, $0) }
            return (
                try AppraisalStore.subjects(db, period: id).map(Kinerja_Plugin_V1_Subject.init),
                Kinerja_Plugin_V1_Period(id: request.periodID, period: record?.id, state: record?.state)
            )
        }
        var r = Kinerja_Plugin_V1_ReportRequest()
        r.name = request.name
        r.period = period
        r.subjects = subjects
        let answer = try await Policy(registry: state.plugins, pluginID: info.id).report(r)
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
        let policy = Policy(registry: state.plugins, pluginID: request.pluginID, tpp: state.settings.tpp)
        let answer = try await policy.callJSON(method: request.method, json: request.requestJson)
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
