import GRPCCore
import KinerjaAPI
import KinerjaCore
import SwiftProtobuf

/// `grpc.health.v1.Health`: SERVING while the daemon serves (its database open and migrated), NOT_SERVING once it
/// begins to stop. The server as a whole is the empty service name; every service the daemon offers is known.
struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    let state: DaemonState

    static let known: Set<String> = Set([""] + ReflectionService.index.services)

    static func status(_ serving: Bool) -> Grpc_Health_V1_HealthCheckResponse {
        .with { $0.status = serving ? .serving : .notServing }
    }

    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard Self.known.contains(request.service) else {
            throw RPCError(code: .notFound, message: "unknown service '\(Quote.short(request.service))' (grpc.reflection lists them)")
        }
        return Self.status(state.serving.serving)
    }

    func watch(
        request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>, context: ServerContext
    ) async throws {
        guard Self.known.contains(request.service) else {
            // The specification keeps the stream open for a service that may appear later; none will here.
            try await response.write(.with { $0.status = .serviceUnknown })
            return
        }
        for await serving in state.serving.updates() {
            try await response.write(Self.status(serving))
            if !serving { return }
        }
    }
}
