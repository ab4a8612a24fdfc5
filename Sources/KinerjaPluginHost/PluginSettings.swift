import Foundation

/// How plugins are found and loaded (the `[plugins]` section of kinerjad.toml).
package struct PluginSettings: Sendable, Equatable {
    /// Folder the plugins are loaded from.
    package var directory: String
    /// Plugins to load: a file name (`libx.so`) or a name `x` (tried as `libkinerja-plugin-x.so`, `libx.so`, `x.so`).
    package var load: [String] = []
    /// Development only: accept plugin files writable by group/others or owned by another user.
    package var allowInsecurePermissions = false
    /// Deadline for one plugin call.
    package var callTimeout: Duration = .seconds(10)
    /// The program started as the plugin host (`<it> plugin-host`): the daemon's own executable.
    package var hostExecutable = "/proc/self/exe"
    /// `[plugins.config.<id>]`, flattened to dotted keys.
    package var configs: [String: [String: String]] = [:]

    package init(directory: String) { self.directory = directory }

    /// The installed plugin folder next to the binary (`<prefix>/lib/kinerja/plugins`), else the binary's own
    /// folder (SwiftPM puts the plugins built from this repository there).
    package static func defaultDirectory(executable: String = CommandLine.arguments[0]) -> String {
        let exe = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = exe.deletingLastPathComponent().appendingPathComponent("lib/kinerja/plugins").path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: installed, isDirectory: &isDir), isDir.boolValue { return installed }
        return exe.path
    }
}
