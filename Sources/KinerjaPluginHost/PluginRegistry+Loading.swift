import Foundation
import KinerjaPluginAPI
import Logging
import SwiftProtobuf
import Synchronization

/// Finding, checking and loading plugin files, each in a host process of its own; reloading.
extension PluginRegistry {
    /// Loads what `settings` lists and is not loaded yet; stops loaded plugins no longer listed; gives plugins out
    /// of service a fresh start. Called at start and on every reload. Returns the messages of refusals (also logged).
    @discardableResult
    package func apply(_ settings: PluginSettings) -> [String] {
        var problems: [String] = []
        state.withLock {
            $0.settings = settings
            $0.refused = []
        }
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
    func launch(path: String, settings: PluginSettings, id: String?) -> PluginSupervisor.Launch {
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

    func load(path: String, settings: PluginSettings) -> Result<String, Refusal> {
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
        if let problem = settings.hostProblem { return .failure(Refusal("plugin \(path) refused: \(problem)")) }
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
        } catch .initFailed(let failedID, let message, let language) {
            var info = PluginInfo(id: failedID, version: "", abiVersion: 1, path: path, hooks: [], reports: [], summary: "", status: .failed, error: message)
            info.error = "init failed: \(message)"
            info.language = language
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
        info.language = loaded.language
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
        case .initFailed(_, let m, _): m
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
}
