import Foundation
import KinerjaPluginAPI
import Logging
import SwiftProtobuf
import Synchronization

extension PluginRegistry {
    /// Calls `method` of plugin `id` in its host process with the configured deadline.
    /// Returns nil when the plugin does not implement the method (the caller falls back to the national rules).
    package func call<Response: SwiftProtobuf.Message>(
        _ id: String, method: String, request: some SwiftProtobuf.Message, as: Response.Type
    ) async throws(PluginCallError) -> Response? {
        let (entry, timeout) = state.withLock { ($0.entries[id], $0.settings.callTimeout) }
        guard let entry else { throw .notLoaded(id) }
        switch entry.info.status {
        case .loaded: break
        case .failed: throw .failed(id: id, reason: entry.info.error)
        default: throw .notLoaded(id)
        }
        if method != "Describe" && !entry.info.hooks.contains(method) { return nil }
        let bytes: [UInt8] = (try? request.serializedBytes()) ?? []
        let started = ContinuousClock.now
        let outcome = await entry.supervisor.call(method: method, request: bytes, timeout: timeout)
        if let observe = observer.withLock({ $0 }) {
            let failed: Bool
            switch outcome {
            case .done(.ok), .done(.unimplemented): failed = false
            default: failed = true
            }
            observe(id, method, ContinuousClock.now - started, failed)
        }
        switch outcome {
        case .unavailable(let reason):
            throw .failed(id: id, reason: reason)
        case .done(.deadline):
            logger.error("plugin call overran its deadline", metadata: ["plugin": "\(id)", "method": "\(method)", "timeout": "\(timeout)"])
            throw .deadline(id: id, method: method, timeout: timeout)
        case .done(.crashed(let how)):
            logger.error("plugin crashed during a call", metadata: ["plugin": "\(id)", "method": "\(method)", "how": "\(how)"])
            throw .crashed(id: id, method: method, how: how)
        case .done(.unimplemented):
            return nil
        case .done(.error(let message)):
            throw .pluginError(id: id, message: message)
        case .done(.ok(let bytes)):
            do {
                return try Response(serializedBytes: bytes)
            } catch {
                logger.error("plugin returned an unreadable response", metadata: ["plugin": "\(id)", "method": "\(method)"])
                throw .garbage(id: id, method: method)
            }
        }
    }
}
