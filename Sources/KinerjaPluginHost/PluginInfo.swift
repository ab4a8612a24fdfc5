import KinerjaPluginAPI

/// One plugin the daemon knows of, loaded or not.
package struct PluginInfo: Sendable, Equatable {
    package enum Status: String, Sendable {
        case loaded, refused, failed, disabled
    }

    package var id: String
    package var version: String
    package var abiVersion: UInt32
    package var path: String
    package var hooks: [String]
    package var reports: [Kinerja_Plugin_V1_ReportInfo]
    package var summary: String
    package var status: Status
    package var error: String
    /// What the plugin's descriptor says it is written in (`c`, `swift`, …); "" when it does not say.
    package var language = ""
    /// What the plugin host's sandbox restricts, or why it could not.
    package var sandbox = ""
}
