/// Errors a plugin call can end in, mapped to RPC codes by the server.
package enum PluginCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No plugin with this id is loaded.
    case notLoaded(String)
    /// The plugin returned an error message.
    case pluginError(id: String, message: String)
    /// The plugin returned bytes that are not the expected message.
    case garbage(id: String, method: String)
    /// The call overran its deadline (the plugin's host process was killed and is restarted).
    case deadline(id: String, method: String, timeout: Duration)
    /// The plugin's host process died during the call (a crash, an exit): how.
    case crashed(id: String, method: String, how: String)
    /// The plugin is out of service after repeated crashes, until a reload.
    case failed(id: String, reason: String)

    package var description: String {
        switch self {
        case .notLoaded(let id): "plugin '\(id)' is not loaded"
        case .pluginError(let id, let message): "plugin \(id): \(message)"
        case .garbage(let id, let method): "plugin \(id) returned an unreadable \(method) response"
        case .deadline(let id, let method, let timeout): "plugin \(id) did not answer \(method) within \(timeout); its host process was restarted"
        case .crashed(let id, let method, let how): "plugin \(id) crashed during \(method): its host process \(how); it is restarted"
        case .failed(let id, let reason): "plugin \(id) is out of service: \(reason)"
        }
    }
}
