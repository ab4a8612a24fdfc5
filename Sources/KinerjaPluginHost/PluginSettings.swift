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
    /// The program started as the plugin host (`<it> plugin-host`): `kinerja-plugin-host` where one is installed
    /// (`defaultHostExecutable`), else the daemon's own executable.
    package var hostExecutable = PluginSettings.selfExecutable
    /// `[plugins.config.<id>]`, flattened to dotted keys.
    package var configs: [String: [String: String]] = [:]

    package init(directory: String) { self.directory = directory }

    /// The daemon's own executable, started as `kinerjad plugin-host`.
    package static let selfExecutable = "/proc/self/exe"
    /// The plugin host program's file name.
    package static let hostProgram = "kinerja-plugin-host"

    /// The plugin host program beside the daemon's executable (a build folder), else in `<prefix>/lib/kinerja` (as
    /// installed), else the daemon itself. The installed daemon has the Swift runtime linked in (it starts and idles
    /// in less memory); the plugins link the shared runtime, so they run in `kinerja-plugin-host`, which does too.
    package static func defaultHostExecutable(executable: String = CommandLine.arguments[0]) -> String {
        let exe = folder(of: executable)
        for place in [exe, exe.deletingLastPathComponent().appendingPathComponent("lib/kinerja")] {
            let candidate = place.appendingPathComponent(hostProgram).path
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return selfExecutable
    }

    /// Whether this process loaded the Swift runtime as a shared library, as the plugins do. A plugin mapped into a
    /// process with the runtime linked in would bring a second copy of it, so such a daemon needs `kinerja-plugin-host`.
    package static let sharesSwiftRuntime: Bool = {
        guard let handle = dlopen("libswiftCore.so", RTLD_LAZY | RTLD_NOLOAD) else { return false }
        dlclose(handle)
        return true
    }()

    /// Why no plugin can be hosted with these settings, or nil.
    package var hostProblem: String? {
        guard hostExecutable == Self.selfExecutable, !Self.sharesSwiftRuntime else { return nil }
        return "this kinerjad has the Swift runtime linked in, and plugins run in \(Self.hostProgram), which is neither beside it "
            + "nor in <prefix>/lib/kinerja; install it there or name it with plugins.host"
    }

    /// The installed plugin folder next to the binary (`<prefix>/lib/kinerja/plugins`), else the binary's own
    /// folder (SwiftPM puts the plugins built from this repository there).
    package static func defaultDirectory(executable: String = CommandLine.arguments[0]) -> String {
        let exe = folder(of: executable)
        let installed = exe.deletingLastPathComponent().appendingPathComponent("lib/kinerja/plugins").path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: installed, isDirectory: &isDir), isDir.boolValue { return installed }
        return exe.path
    }

    /// The folder the executable really is in (through symbolic links): where the installed layout is looked for.
    private static func folder(of executable: String) -> URL {
        URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
    }
}
