import Foundation
import KinerjaCore
import KinerjaPluginAPI
import KinerjaScoring
import SwiftProtobuf

/// Answers a hook from a plugin, falling back to the national rules for what it does not implement.
package struct Policy: Sendable {
    package let registry: PluginRegistry
    /// The plugin whose hooks come first; nil or "national": the national rules only.
    package let pluginID: String?

    /// The agency's TPP numbers for the national computation.
    package let tpp: TPPPolicy

    package init(registry: PluginRegistry, pluginID: String?, tpp: TPPPolicy = TPPPolicy()) {
        self.registry = registry
        self.tpp = tpp
        self.pluginID = (pluginID?.isEmpty ?? true) || pluginID == NationalPolicy.id ? nil : pluginID
    }

    package struct Answer<Response: Sendable>: Sendable {
        package var response: Response
        /// The plugin id, or "national".
        package var handledBy: String
    }

    func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, _ request: Request, national: () throws -> Response
    ) async throws -> Answer<Response> {
        if let pluginID, let answer = try await registry.call(pluginID, method: method, request: request, as: Response.self) {
            return Answer(response: answer, handledBy: pluginID)
        }
        return Answer(response: try national(), handledBy: NationalPolicy.id)
    }

    package func deriveRatings(_ r: Kinerja_Plugin_V1_DeriveRatingsRequest) async throws -> Answer<Kinerja_Plugin_V1_DeriveRatingsResponse> {
        try await call("DeriveRatings", r) { NationalPolicy.deriveRatings(r) }
    }

    /// `explain: false`: the national rules leave out the steps (a plugin's steps are always kept).
    /// The request carries the agency's `[tpp]` numbers (unless the caller set others): a plugin starts from them.
    package func computeIncentive(_ r: Kinerja_Plugin_V1_IncentiveRequest, explain: Bool = true) async throws -> Answer<Kinerja_Plugin_V1_IncentiveResponse> {
        var r = r
        if !r.hasPolicy { r.policy = Scoring.message(tpp) }
        return try await call("ComputeIncentive", r) { [r] in NationalPolicy.computeIncentive(r, policy: tpp, explain: explain) }
    }

    package func reminderCalendar() async throws -> Answer<Kinerja_Plugin_V1_ReminderCalendarResponse> {
        try await call("ReminderCalendar", Kinerja_Plugin_V1_ReminderCalendarRequest()) { NationalPolicy.reminderCalendar }
    }

    package func validatePeriod(_ r: Kinerja_Plugin_V1_ValidatePeriodRequest) async throws -> Answer<Kinerja_Plugin_V1_ValidatePeriodResponse> {
        try await call("ValidatePeriod", r) { NationalPolicy.validatePeriod(r) }
    }

    package func report(_ r: Kinerja_Plugin_V1_ReportRequest) async throws -> Answer<Kinerja_Plugin_V1_ReportResponse> {
        try await call("Report", r) { throw NationalPolicy.NoSuchReport(name: r.name) }
    }

    package func describe() async throws -> Answer<Kinerja_Plugin_V1_DescribeResponse> {
        try await call("Describe", Kinerja_Plugin_V1_DescribeRequest()) { NationalPolicy.describe }
    }

    /// For `kinerjactl plugin call`: one hook with a proto3-JSON request, the answer as JSON.
    package func callJSON(method: String, json: String) async throws -> Answer<String> {
        func run<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
            _: Request.Type, _ body: (Request) async throws -> Answer<Response>
        ) async throws -> Answer<String> {
            let request: Request
            do { request = try Request(jsonString: json.isEmpty ? "{}" : json) } catch { throw BadRequestJSON(detail: "\(error)") }
            let answer = try await body(request)
            var options = JSONEncodingOptions()
            options.preserveProtoFieldNames = true
            return Answer(response: try answer.response.jsonString(options: options), handledBy: answer.handledBy)
        }
        switch method {
        case "Describe": return try await run(Kinerja_Plugin_V1_DescribeRequest.self) { _ in try await describe() }
        case "DeriveRatings": return try await run(Kinerja_Plugin_V1_DeriveRatingsRequest.self) { try await deriveRatings($0) }
        case "ComputeIncentive": return try await run(Kinerja_Plugin_V1_IncentiveRequest.self) { try await computeIncentive($0) }
        case "ReminderCalendar": return try await run(Kinerja_Plugin_V1_ReminderCalendarRequest.self) { _ in try await reminderCalendar() }
        case "ValidatePeriod": return try await run(Kinerja_Plugin_V1_ValidatePeriodRequest.self) { try await validatePeriod($0) }
        case "Report": return try await run(Kinerja_Plugin_V1_ReportRequest.self) { try await report($0) }
        default: throw UnknownMethod(method: method)
        }
    }

    /// `callJSON`'s request is not the hook's request message in proto3 JSON.
    package struct BadRequestJSON: Error, CustomStringConvertible {
        package var detail: String
        package var description: String { "request_json does not match the hook's request message: \(detail)" }
    }

    package struct UnknownMethod: Error, CustomStringConvertible {
        package var method: String
        package var description: String {
            "unknown hook '\(method)'; use Describe, DeriveRatings, ComputeIncentive, ReminderCalendar, ValidatePeriod or Report"
        }
    }
}
