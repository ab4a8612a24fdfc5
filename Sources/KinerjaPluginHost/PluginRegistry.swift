import CKinerjaPlugin
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
}

/// Errors a plugin call can end in, mapped to RPC codes by the server.
public enum PluginCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No plugin with this id is loaded.
    case notLoaded(String)
    /// The plugin returned an error message.
    case pluginError(id: String, message: String)
    /// The plugin returned bytes that are not the expected message.
    case garbage(id: String, method: String)
    /// The call overran its deadline.
    case deadline(id: String, method: String, timeout: Duration)

    public var description: String {
        switch self {
        case .notLoaded(let id): "plugin '\(id)' is not loaded"
        case .pluginError(let id, let message): "plugin \(id): \(message)"
        case .garbage(let id, let method): "plugin \(id) returned an unreadable \(method) response"
        case .deadline(let id, let method, let timeout): "plugin \(id) did not answer \(method) within \(timeout)"
        }
    }
}

/// A loaded module: its descriptor pointer stays valid for the life of the process (never dlclose()d).
final class LoadedModule: @unchecked Sendable {
    let descriptor: UnsafePointer<kinerja_plugin>
    let path: String
    let host: UnsafeMutablePointer<kinerja_host>

    init(descriptor: UnsafePointer<kinerja_plugin>, path: String, host: UnsafeMutablePointer<kinerja_host>) {
        self.descriptor = descriptor
        self.path = path
        self.host = host
    }
}

/// The plugins of this daemon: loading (with the refusals), reloading, and calls with a deadline off the
/// event loop. Modules are never unloaded; a removed plugin is disabled.
public final class PluginRegistry: Sendable {
    private struct State {
        var settings: PluginSettings
        var infos: [String: PluginInfo] = [:]  // by id
        var modules: [String: LoadedModule] = [:]  // by id, loaded ones (kept even when disabled)
        var modulesByPath: [String: LoadedModule] = [:]
        var refused: [PluginInfo] = []  // files that could not be loaded, by path
    }

    private let state: Mutex<State>
    private let logger: Logger
    private let queue = DispatchQueue(label: "kinerja.plugins", attributes: .concurrent)
    private let timeZone: String

    public init(settings: PluginSettings, timeZone: String = "Asia/Jakarta", logger: Logger) {
        self.state = Mutex(State(settings: settings))
        self.logger = logger
        self.timeZone = timeZone
    }

    /// Every plugin the daemon tried to load: loaded, refused (with the reason), failed, disabled.
    public var plugins: [PluginInfo] {
        state.withLock { s in (Array(s.infos.values) + s.refused).sorted { ($0.id, $0.path) < ($1.id, $1.path) } }
    }

    public func info(_ id: String) -> PluginInfo? { state.withLock { $0.infos[id] } }

    public var settings: PluginSettings { state.withLock { $0.settings } }

    /// Loads what `settings` lists and is not loaded yet; disables loaded plugins no longer listed.
    /// Called at start and on every reload. Returns the messages of refusals (also logged).
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
        state.withLock { s in
            for (id, info) in s.infos where !wantedIDs.contains(id) && info.status == .loaded {
                s.infos[id]?.status = .disabled
                s.infos[id]?.error = "removed from the configuration (the module stays mapped until restart)"
                logger.notice("plugin disabled", metadata: ["plugin": "\(id)"])
            }
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

    /// Refuses files (and their folder) that others could have written.
    func checkPermissions(_ path: String, allowInsecure: Bool) -> String? {
        let daemonUID = geteuid()
        for p in [path, (path as NSString).deletingLastPathComponent] {
            var st = stat()
            guard stat(p, &st) == 0 else { return "\(p): \(String(cString: strerror(errno)))" }
            var problem: String?
            if st.st_mode & 0o022 != 0 {
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

    private func load(path: String, settings: PluginSettings) -> Result<String, Refusal> {
        if let existing = state.withLock({ $0.modulesByPath[path] }) {
            // Already mapped: re-enable (a plugin removed and added back) without loading it twice.
            let id = String(cString: existing.descriptor.pointee.id)
            state.withLock { s in
                if s.infos[id]?.status == .disabled {
                    s.infos[id]?.status = .loaded
                    s.infos[id]?.error = ""
                }
            }
            return .success(id)
        }
        if let problem = checkPermissions(path, allowInsecure: settings.allowInsecurePermissions) {
            return .failure(Refusal("plugin \(path) refused: \(problem)"))
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            return .failure(Refusal("plugin \(path) refused: dlopen failed: \(reason)"))
        }
        // The handle is kept on purpose: unloading Swift code is unsafe.
        guard let symbol = dlsym(handle, KINERJA_PLUGIN_ENTRY_SYMBOL) else {
            return .failure(Refusal("plugin \(path) refused: no entry symbol \(KINERJA_PLUGIN_ENTRY_SYMBOL)"))
        }
        let entry = unsafeBitCast(symbol, to: kinerja_plugin_entry.self)
        guard let descriptor = entry() else { return .failure(Refusal("plugin \(path) refused: the entry symbol returned no descriptor")) }
        let found = descriptor.pointee.abi_version
        guard found == KINERJA_PLUGIN_ABI_VERSION else {
            return .failure(Refusal("plugin \(path) refused: ABI version mismatch: expected \(KINERJA_PLUGIN_ABI_VERSION), found \(found)"))
        }
        guard descriptor.pointee.struct_size >= UInt32(MemoryLayout<kinerja_plugin>.size) else {
            return .failure(Refusal("plugin \(path) refused: descriptor struct_size \(descriptor.pointee.struct_size) is smaller than v1's \(MemoryLayout<kinerja_plugin>.size)"))
        }
        guard let idPointer = descriptor.pointee.id, descriptor.pointee.invoke != nil, descriptor.pointee.free_buffer != nil else {
            return .failure(Refusal("plugin \(path) refused: the descriptor lacks id, invoke or free_buffer"))
        }
        let id = String(cString: idPointer)
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return .failure(Refusal("plugin \(path) refused: id '\(id)' must be lowercase letters, digits, '-' or '_'"))
        }
        if let other = state.withLock({ $0.modules[id] }) {
            return .failure(Refusal("plugin \(path) refused: duplicate id '\(id)', already loaded from \(other.path)"))
        }
        let version = descriptor.pointee.version.map { String(cString: $0) } ?? ""

        // The host table: logging tagged with the plugin id.
        let host = UnsafeMutablePointer<kinerja_host>.allocate(capacity: 1)
        let context = Unmanaged.passRetained(PluginLogContext(id: id, logger: logger)).toOpaque()
        host.initialize(to: kinerja_host(
            struct_size: UInt32(MemoryLayout<kinerja_host>.size), abi_version: KINERJA_PLUGIN_ABI_VERSION, context: context,
            log: { context, level, message in
                guard let context, let message else { return }
                let box = Unmanaged<PluginLogContext>.fromOpaque(context).takeUnretainedValue()
                box.log(level: level, message: String(cString: message))
            }))
        let module = LoadedModule(descriptor: descriptor, path: path, host: host)
        var info = PluginInfo(id: id, version: version, abiVersion: found, path: path, hooks: [], reports: [], summary: "", status: .loaded, error: "")
        info.language = ModuleLanguage.of(path)

        // init with the plugin's config section.
        var config = Kinerja_Plugin_V1_PluginConfig()
        config.values = settings.configs[id] ?? [:]
        config.timeZone = timeZone
        let configBytes: [UInt8] = (try? config.serializedBytes()) ?? []
        if let initFn = descriptor.pointee.`init` {
            var error = kinerja_buffer(data: nil, len: 0)
            let rc = configBytes.withUnsafeBufferPointer { initFn(host, $0.baseAddress, $0.count, &error) }
            if rc != KINERJA_OK {
                let message = Self.text(error, module: module)
                info.status = .failed
                info.error = "init failed: \(message)"
                state.withLock { s in
                    s.infos[id] = info
                    s.modulesByPath[path] = module
                }
                return .failure(Refusal("plugin \(id) (\(path)) failed to initialise: \(message)", recorded: true))
            }
        }
        // Describe: hooks and reports.
        switch Self.invokeNow(module: module, method: "Describe", request: []) {
        case .ok(let bytes):
            guard let d = try? Kinerja_Plugin_V1_DescribeResponse(serializedBytes: bytes) else {
                return .failure(Refusal("plugin \(id) (\(path)) refused: unreadable Describe response"))
            }
            info.hooks = d.hooks
            info.reports = d.reports
            info.summary = d.description_p
        case .error(let message):
            return .failure(Refusal("plugin \(id) (\(path)) refused: Describe failed: \(message)"))
        case .unimplemented:
            return .failure(Refusal("plugin \(id) (\(path)) refused: Describe is not implemented"))
        }
        state.withLock { s in
            s.infos[id] = info
            s.modules[id] = module
            s.modulesByPath[path] = module
        }
        logger.notice("plugin loaded", metadata: ["plugin": "\(id)", "version": "\(version)", "path": "\(path)", "hooks": "\(info.hooks.joined(separator: ","))"])
        return .success(id)
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

    enum RawResult: Sendable {
        case ok([UInt8])
        case error(String)
        case unimplemented
    }

    static func text(_ buffer: kinerja_buffer, module: LoadedModule) -> String {
        var b = buffer
        defer { if b.data != nil { module.descriptor.pointee.free_buffer?(&b) } }
        guard let data = b.data else { return "(no message)" }
        return String(decoding: UnsafeBufferPointer(start: data, count: b.len), as: UTF8.self)
    }

    /// Calls the plugin on the current thread.
    static func invokeNow(module: LoadedModule, method: String, request: [UInt8]) -> RawResult {
        var out = kinerja_buffer(data: nil, len: 0)
        let rc = method.withCString { m in
            request.withUnsafeBufferPointer { module.descriptor.pointee.invoke(m, $0.baseAddress, $0.count, &out) }
        }
        switch rc {
        case KINERJA_OK:
            var bytes: [UInt8] = []
            if let data = out.data {
                bytes = Array(UnsafeBufferPointer(start: data, count: out.len))
                module.descriptor.pointee.free_buffer?(&out)
            }
            return .ok(bytes)
        case KINERJA_UNIMPLEMENTED:
            if out.data != nil { module.descriptor.pointee.free_buffer?(&out) }
            return .unimplemented
        default:
            return .error(text(out, module: module))
        }
    }

    /// Calls `method` of plugin `id` off the caller's thread with the configured deadline.
    /// Returns nil when the plugin does not implement the method (the caller falls back to the national rules).
    public func call<Response: SwiftProtobuf.Message>(
        _ id: String, method: String, request: some SwiftProtobuf.Message, as: Response.Type
    ) async throws(PluginCallError) -> Response? {
        let (module, info, timeout) = state.withLock { ($0.modules[id], $0.infos[id], $0.settings.callTimeout) }
        guard let module, let info, info.status == .loaded else { throw .notLoaded(id) }
        if method != "Describe" && !info.hooks.contains(method) { return nil }
        let bytes: [UInt8] = (try? request.serializedBytes()) ?? []
        let logger = self.logger
        let raw = await withCheckedContinuation { (continuation: CheckedContinuation<RawResult?, Never>) in
            let once = OneShot(continuation)
            queue.async {
                let r = Self.invokeNow(module: module, method: method, request: bytes)
                if !once.finish(r) {
                    logger.warning("late plugin answer discarded", metadata: ["plugin": "\(id)", "method": "\(method)"])
                }
            }
            let c = timeout.components
            let nanos = Int(c.seconds) * 1_000_000_000 + Int(c.attoseconds / 1_000_000_000)
            queue.asyncAfter(deadline: .now() + .nanoseconds(nanos)) { _ = once.finish(nil) }
        }
        switch raw {
        case nil:
            logger.error("plugin call overran its deadline", metadata: ["plugin": "\(id)", "method": "\(method)", "timeout": "\(timeout)"])
            throw .deadline(id: id, method: method, timeout: timeout)
        case .unimplemented?:
            return nil
        case .error(let message)?:
            throw .pluginError(id: id, message: message)
        case .ok(let bytes)?:
            do {
                return try Response(serializedBytes: bytes)
            } catch {
                logger.error("plugin returned an unreadable response", metadata: ["plugin": "\(id)", "method": "\(method)"])
                throw .garbage(id: id, method: method)
            }
        }
    }

    /// Calls every loaded plugin's shutdown (once, when the daemon stops).
    public func shutdown() {
        let modules = state.withLock { Array($0.modulesByPath.values) }
        for m in modules { m.descriptor.pointee.shutdown?() }
    }
}

final class PluginLogContext: @unchecked Sendable {
    let id: String
    let logger: Logger
    init(id: String, logger: Logger) {
        self.id = id
        self.logger = logger
    }

    func log(level: Int32, message: String) {
        let l: Logger.Level = switch level {
        case KINERJA_LOG_DEBUG: .debug
        case KINERJA_LOG_WARNING: .warning
        case KINERJA_LOG_ERROR: .error
        default: .info
        }
        logger.log(level: l, "\(message)", metadata: ["plugin": "\(id)"])
    }
}

/// Resumes a continuation once: with the plugin's answer, or with nil when the deadline comes first.
final class OneShot: Sendable {
    private let continuation: Mutex<CheckedContinuation<PluginRegistry.RawResult?, Never>?>

    init(_ continuation: CheckedContinuation<PluginRegistry.RawResult?, Never>) {
        self.continuation = Mutex(continuation)
    }

    /// True when this call resumed the continuation.
    func finish(_ result: PluginRegistry.RawResult?) -> Bool {
        guard let c = continuation.withLock({ c -> CheckedContinuation<PluginRegistry.RawResult?, Never>? in
            defer { c = nil }
            return c
        }) else { return false }
        c.resume(returning: result)
        return true
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
