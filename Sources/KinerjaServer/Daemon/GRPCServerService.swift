import Foundation
import GRPCCore
import KinerjaServerTransport
import Logging
import ServiceLifecycle

/// Runs the gRPC server inside a `ServiceGroup`: on graceful shutdown it stops accepting, lets in-flight
/// RPCs finish, and returns. `onListening` runs once the socket accepts connections.
struct GRPCServerService: Service {
    let server: GRPCServer<UnixSocketServerTransport>
    let logger: Logger
    let onListening: @Sendable () async -> Void

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.serve() }
                group.addTask {
                    // Once bound; a bind failure surfaces through serve().
                    if (try? await server.transport.waitUntilListening()) != nil {
                        await onListening()
                    }
                }
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            logger.info("shutting down: no new RPCs; finishing those in flight")
            server.beginGracefulShutdown()
        }
    }
}
