import Foundation
import KinerjaPluginAPI
import Logging
import SwiftProtobuf
import Synchronization

/// How plugins are found and loaded (the `[plugins]` section of kinerjad.toml).
public struct PluginSettings: Sendable, Equatable {
    /// Folder the plugins are loaded from.
    public var directory: String
    /// Plugins to load: a file name (`libx.so`) or a name `x` (tried as `libkinerja-plugin-x.so`, `libx.so`, `x.so`).
    public var load: [String] = []
    /// Development only: accept plugin files writable by group/others or owned by another user.
    public var allowInsecurePermissions = false
    /// Deadline for one plugin call.
    public var callTimeout: Duration = .seconds(10)
    /// The program started as the plugin host (`<it> plugin-host`): the daemon's own executable.
    public var hostExecutable = "/proc/self/exe"
    /// `[plugins.config.<id>]`, flattened to dotted keys.
    public var configs: [String: [String: String]] = [:]

    public init(directory: String) { self.directory = directory }

    /// The installed plugin folder next to the binary (`<prefix>/lib/kinerja/plugins`), else the binary's own
    /// folder (SwiftPM puts the plugins built from this repository there).
    public static func defaultDirectory(executable: String = CommandLine.arguments[0]) -> String {
        let exe = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = exe.deletingLastPathComponent().appendingPathComponent("lib/kinerja/plugins").path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: installed, isDirectory: &isDir), isDir.boolValue { return installed }
        return exe.path
    }
}

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
    /// `swift` when the module links the Swift runtime, else `c` (what the loader can tell from the outside).
    public var language = ""
    /// What the plugin host's sandbox restricts, or why it could not.
    public var sandbox = ""
}

/// Errors a plugin call can end in, mapped to RPC codes by the server.
public enum PluginCallError: Error, Sendable, Equatable, CustomStringConvertible {
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

    public var description: String {
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

/// The plugins of this daemon: each runs in its own host process (`kinerjad plugin-host`), supervised here:
/// loading (with the refusals), reloading, and calls with a deadline. A plugin that crashes, exits or spins takes
/// only its host process down; the call ends with an error naming the plugin, and the host is restarted.
public final class PluginRegistry: Sendable {
    private struct Entry {
        var info: PluginInfo
        var supervisor: PluginSupervisor
    }

    private struct State {
        var settings: PluginSettings
        var entries: [String: Entry] = [:]  // by id
        var idsByPath: [String: String] = [:]
        var refused: [PluginInfo] = []  // files that could not be loaded, by path
    }

    private let state: Mutex<State>
    private let logger: Logger
    private let timeZone: String

    public init(settings: PluginSettings, timeZone: String = "Asia/Jakarta", logger: Logger) {
        self.state = Mutex(State(settings: settings))
        self.logger = logger
        self.timeZone = timeZone
    }

    /// Every plugin the daemon tried to load: loaded, refused (with the reason), failed, disabled.
    public var plugins: [PluginInfo] {
        state.withLock { s in (s.entries.values.map(\.info) + s.refused).sorted { ($0.id, $0.path) < ($1.id, $1.path) } }
    }

    public func info(_ id: String) -> PluginInfo? { state.withLock { $0.entries[id]?.info } }

    public var settings: PluginSettings { state.withLock { $0.settings } }

    /// The host process of a plugin, while it runs.
    public func hostPID(_ id: String) -> pid_t? { state.withLock { $0.entries[id]?.supervisor }?.pid }

    /// Loads what `settings` lists and is not loaded yet; stops loaded plugins no longer listed; gives plugins out
    /// of service a fresh start. Called at start and on every reload. Returns the messages of refusals (also logged).
    @discardableResult
    public func apply(_ settings: PluginSettings) -> [String] {
        var problems: [String] = []
        state.withLock { $0.settings = settings; $0.refused = [] }
        var wantedIDs = Set<String>()
        for entry in settings.load {
            switch resolve(entry, in: settings.directory) {
            case .failure(let refusal):
                problems.append(refusal.message)
                state.withLock { $0.refused.append(Self.refusal(path: entry, message: refusal.message)) }
            case .success(let path):
                switch load(path: path, settings: settings) {
                case .success(let id): wantedIDs.insert(id)
                case .failure(let refusal):
                    problems.append(refusal.message)
                    if refusal.recorded == false {
                        state.withLock { $0.refused.append(Self.refusal(path: path, message: refusal.message)) }
                    }
                }
            }
        }
        let unwanted = state.withLock { s -> [(String, PluginSupervisor)] in
            var stop: [(String, PluginSupervisor)] = []
            for (id, e) in s.entries where !wantedIDs.contains(id) && e.info.status != .disabled {
                s.entries[id]?.info.status = .disabled
                s.entries[id]?.info.error = "removed from the configuration"
                stop.append((id, e.supervisor))
            }
            return stop
        }
        for (id, supervisor) in unwanted {
            supervisor.stop()
            logger.notice("plugin disabled", metadata: ["plugin": "\(id)"])
        }
        for p in problems { logger.error("plugin refused", metadata: ["reason": "\(p)"]) }
        return problems
    }

    static func refusal(path: String, message: String) -> PluginInfo {
        PluginInfo(id: "", version: "", abiVersion: 0, path: path, hooks: [], reports: [], summary: "", status: .refused, error: message)
    }

    /// The absolute path of a configured plugin.
    func resolve(_ entry: String, in directory: String) -> Result<String, Refusal> {
        if entry.contains("/") {
            return .failure(Refusal("plugin '\(entry)': give a file name or a name, not a path; plugins load from \(directory)"))
        }
        let candidates = entry.hasSuffix(".so") ? [entry] : ["libkinerja-plugin-\(entry).so", "lib\(entry).so", "\(entry).so"]
        for c in candidates {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(c).standardizedFileURL.path
            if FileManager.default.fileExists(atPath: path) { return .success(path) }
        }
        return .failure(Refusal("plugin '\(entry)': no file \(candidates.joined(separator: " or ")) in \(directory)"))
    }

    /// Refuses files that others could have written: the file and its folder, and where the file is (or sits below)
    /// a symbolic link, the file it resolves to and every folder on that resolved path up to `/`. A folder with the
    /// sticky bit owned by root (such as /tmp) is accepted as an ancestor: others cannot replace what it holds.
    func checkPermissions(_ path: String, allowInsecure: Bool) -> String? {
        let daemonUID = geteuid()
        var checks: [(path: String, ancestor: Bool)] = [(path, false), ((path as NSString).deletingLastPathComponent, false)]
        if let resolved = realpath(path, nil) {
            let real = String(cString: resolved)
            free(resolved)
            if real != path { checks.append((real, false)) }
            var folder = (real as NSString).deletingLastPathComponent
            while true {
                checks.append((folder, true))
                if folder == "/" || folder.isEmpty { break }
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
        for (p, ancestor) in checks {
            var st = stat()
            guard stat(p, &st) == 0 else { return "\(p): \(String(cString: strerror(errno)))" }
            var problem: String?
            let stickyRoot = ancestor && st.st_mode & S_ISVTX != 0 && st.st_uid == 0
            if st.st_mode & 0o022 != 0 && !stickyRoot {
                problem = "\(p) is writable by group or others (mode \(String(st.st_mode & 0o777, radix: 8)))"
            } else if st.st_uid != 0 && st.st_uid != daemonUID {
                problem = "\(p) is owned by uid \(st.st_uid), not root or the daemon's user (uid \(daemonUID))"
            }
            if let problem {
                if allowInsecure {
                    logger.warning("plugin permissions not enforced (plugins.allow_insecure_permissions)", metadata: ["problem": "\(problem)"])
                } else {
                    return problem + "; fix it, or set plugins.allow_insecure_permissions = true for development"
                }
            }
        }
        return nil
    }

    /// What the host of the plugin at `path` may read once sandboxed: the plugin folder (and the folder the file
    /// resolves to), the time zone database and /proc.
    private func launch(path: String, settings: PluginSettings, id: String?) -> PluginSupervisor.Launch {
        var config = Kinerja_Plugin_V1_PluginConfig()
        config.values = id.flatMap { settings.configs[$0] } ?? [:]
        config.timeZone = timeZone
        var readOnly = [settings.directory]
        let real = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { _ in
            URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent().path
        }
        if let real, real != settings.directory { readOnly.append(real) }
        // /proc: libdispatch's worker-thread monitor reads /proc/<tid>/stat while a call runs long, and crashes the
        // process on purpose (SIGILL) when it cannot.
        readOnly += ["/usr/share/zoneinfo", "/etc/localtime", "/proc"]
        return .init(
            executable: settings.hostExecutable, path: path, config: (try? config.serializedBytes()) ?? [], readOnly: readOnly,
            loadTimeout: settings.callTimeout + .seconds(5))
    }

    private func load(path: String, settings: PluginSettings) -> Result<String, Refusal> {
        if let (id, supervisor) = state.withLock({ s in s.idsByPath[path].flatMap { id in s.entries[id].map { (id, $0.supervisor) } } }) {
            // Known: a plugin removed and added back, or out of service: a fresh host with the settings of now.
            supervisor.update(launch(path: path, settings: settings, id: id))
            do {
                if let loaded = try supervisor.reset() {
                    state.withLock { s in
                        s.entries[id]?.info.status = .loaded
                        s.entries[id]?.info.error = ""
                        s.entries[id]?.info.hooks = loaded.description.hooks
                        s.entries[id]?.info.reports = loaded.description.reports
                        s.entries[id]?.info.sandbox = loaded.sandbox
                    }
                }
                return .success(id)
            } catch {
                let message = Self.message(error)
                state.withLock { s in
                    s.entries[id]?.info.status = .failed
                    s.entries[id]?.info.error = message
                }
                return .failure(Refusal(message, recorded: true))
            }
        }
        if let problem = checkPermissions(path, allowInsecure: settings.allowInsecurePermissions) {
            return .failure(Refusal("plugin \(path) refused: \(problem)"))
        }
        // The plugin's id is known only once the host has loaded it: its config section is looked up by the name
        // the file gives (libkinerja-plugin-<id>.so), and the host is restarted with the right one if that differs.
        let name = Self.name(ofFile: path)
        let id = Mutex<String>(name)
        let supervisor = PluginSupervisor(
            name: name, launch: launch(path: path, settings: settings, id: name), logger: logger,
            failedChanged: { [weak self] reason in self?.outOfService(id.withLock { $0 }, reason: reason) })
        var loaded: LoadedPlugin
        do {
            loaded = try supervisor.start()
            if loaded.id != name {
                supervisor.stop(grace: .zero)
                supervisor.update(launch(path: path, settings: settings, id: loaded.id))
                guard let again = try supervisor.reset() else { return .failure(Refusal("plugin \(path) refused: its host did not restart")) }
                loaded = again
            }
        } catch .initFailed(let failedID, let message) {
            var info = PluginInfo(id: failedID, version: "", abiVersion: 1, path: path, hooks: [], reports: [], summary: "", status: .failed, error: message)
            info.error = "init failed: \(message)"
            info.language = ModuleLanguage.of(path)
            supervisor.stop(grace: .zero)
            state.withLock { s in
                if s.entries[failedID] == nil {
                    s.entries[failedID] = Entry(info: info, supervisor: supervisor)
                    s.idsByPath[path] = failedID
                }
            }
            return .failure(Refusal(message, recorded: true))
        } catch {
            return .failure(Refusal(Self.message(error)))
        }
        id.withLock { $0 = loaded.id }
        if let other = state.withLock({ $0.entries[loaded.id]?.info.path }) {
            supervisor.stop(grace: .zero)
            return .failure(Refusal("plugin \(path) refused: duplicate id '\(loaded.id)', already loaded from \(other)"))
        }
        var info = PluginInfo(
            id: loaded.id, version: loaded.version, abiVersion: loaded.abiVersion, path: path, hooks: loaded.description.hooks,
            reports: loaded.description.reports, summary: loaded.description.description_p, status: .loaded, error: "")
        info.language = ModuleLanguage.of(path)
        info.sandbox = loaded.sandbox
        state.withLock { s in
            s.entries[loaded.id] = Entry(info: info, supervisor: supervisor)
            s.idsByPath[path] = loaded.id
        }
        logger.notice(
            "plugin loaded",
            metadata: [
                "plugin": "\(loaded.id)", "version": "\(loaded.version)", "path": "\(path)", "hooks": "\(info.hooks.joined(separator: ","))",
                "pid": "\(supervisor.pid ?? 0)",
            ])
        return .success(loaded.id)
    }

    private func outOfService(_ id: String, reason: String?) {
        state.withLock { s in
            guard s.entries[id]?.info.status != .disabled else { return }
            s.entries[id]?.info.status = reason == nil ? .loaded : .failed
            s.entries[id]?.info.error = reason ?? ""
        }
    }

    /// `libkinerja-plugin-x.so` → `x`; `libx.so` → `x`; `x.so` → `x`.
    static func name(ofFile path: String) -> String {
        var n = (path as NSString).lastPathComponent
        if n.hasSuffix(".so") { n.removeLast(3) }
        for prefix in ["libkinerja-plugin-", "lib"] where n.hasPrefix(prefix) {
            n.removeFirst(prefix.count)
            break
        }
        return n
    }

    static func message(_ error: HostStartError) -> String {
        switch error {
        case .refused(let m): m
        case .initFailed(_, let m): m
        }
    }

    struct Refusal: Error {
        var message: String
        /// True when the plugin already has an entry (status failed) and needs no refusal row.
        var recorded = false
        init(_ message: String, recorded: Bool = false) {
            self.message = message
            self.recorded = recorded
        }
    }

    /// Calls `method` of plugin `id` in its host process with the configured deadline.
    /// Returns nil when the plugin does not implement the method (the caller falls back to the national rules).
    public func call<Response: SwiftProtobuf.Message>(
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
        switch await entry.supervisor.call(method: method, request: bytes, timeout: timeout) {
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

    /// Stops every plugin host (each calls its plugin's shutdown first), once, when the daemon stops.
    public func shutdown() {
        let supervisors = state.withLock { $0.entries.values.map(\.supervisor) }
        DispatchQueue.concurrentPerform(iterations: supervisors.count) { supervisors[$0].stop() }
    }
}

/// Tells a module with Swift code from one without: Swift code leaves type metadata in the ELF sections
/// `swift5_typeref`/`swift5_fieldmd`/`swift5_reflstr` (a C module linked by the Swift driver has them empty).
enum ModuleLanguage {
    static func of(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return data.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> String in
            // ELF64, little endian.
            guard b.count > 64, b[0] == 0x7F, b[1] == 0x45, b[2] == 0x4C, b[3] == 0x46, b[4] == 2, b[5] == 1 else { return "" }
            func u16(_ o: Int) -> Int { Int(b.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
            func u32(_ o: Int) -> Int { Int(b.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
            func u64(_ o: Int) -> Int { Int(truncatingIfNeeded: b.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
            let shoff = u64(0x28), shentsize = u16(0x3A), shnum = u16(0x3C), shstrndx = u16(0x3E)
            guard shoff > 0, shentsize >= 64, shstrndx < shnum, shoff + shnum * shentsize <= b.count else { return "" }
            let names = u64(shoff + shstrndx * shentsize + 0x18)
            for i in 0..<shnum {
                let h = shoff + i * shentsize
                var n = names + u32(h)
                var name: [UInt8] = []
                while n < b.count, b[n] != 0, name.count < 64 { name.append(b[n]); n += 1 }
                let text = String(decoding: name, as: UTF8.self)
                if ["swift5_typeref", "swift5_fieldmd", "swift5_reflstr"].contains(text) && u64(h + 0x20) > 0 { return "swift" }
            }
            return "c"
        }
    }
}
