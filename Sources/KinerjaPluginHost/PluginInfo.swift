import KinerjaPluginAPI

/// One plugin the daemon knows of, loaded or not.
public struct PluginInfo: Sendable, Equatable {
    public enum Status: String, Sendable {
        case loaded, refused, failed, disabled
    }

    public var id: String
    public var version: String
    public var abiVersion: UInt32
    public var path: String
    public var hooks: [String]
    public var reports: [Kinerja_Plugin_V1_ReportInfo]
    public var summary: String
    public var status: Status
    public var error: String
    /// What the plugin's descriptor says it is written in (`c`, `swift`, …); "" when it does not say.
    public var language = ""
    /// What the plugin host's sandbox restricts, or why it could not.
    public var sandbox = ""
}
