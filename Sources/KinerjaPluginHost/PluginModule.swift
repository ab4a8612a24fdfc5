import CKinerjaPlugin
import Foundation
import KinerjaPluginAPI
import SwiftProtobuf

/// A plugin module mapped into this process with `dlopen`: the C ABI exactly as the kits define it. Only the plugin
/// host process (`kinerjad plugin-host`) maps modules; the daemon never does.
/// The descriptor stays valid for the life of the process (never `dlclose`d).
final class PluginModule: @unchecked Sendable {
    let descriptor: UnsafePointer<kinerja_plugin>
    let path: String
    let id: String
    let version: String
    /// What the descriptor says the plugin is written in ("" when it does not say).
    let language: String
    private let host: UnsafeMutablePointer<kinerja_host>

    /// Where the plugin's `host->log` lines go: (KINERJA_LOG_* level, message).
    typealias LogSink = @Sendable (Int32, String) -> Void

    enum LoadError: Error {
        /// The file is not a usable module.
        case refused(String)
        /// The module loaded but its init (or Describe) failed: the plugin is known by its id.
        case initFailed(id: String, String)
    }

    private init(
        descriptor: UnsafePointer<kinerja_plugin>, path: String, id: String, version: String, language: String, host: UnsafeMutablePointer<kinerja_host>
    ) {
        self.descriptor = descriptor
        self.path = path
        self.id = id
        self.version = version
        self.language = language
        self.host = host
    }

    /// The first v1 descriptor's size (up to `shutdown`): the least `struct_size` accepted.
    static let v1BaseSize = MemoryLayout<kinerja_plugin>.offset(of: \kinerja_plugin.language)!

    /// The descriptor's `language` when its `struct_size` covers the field and it is a short lowercase word;
    /// else "" (a plugin built against the first v1 header does not say).
    static func language(of descriptor: UnsafePointer<kinerja_plugin>) -> String {
        let end = v1BaseSize + MemoryLayout<UnsafePointer<CChar>?>.size
        guard Int(descriptor.pointee.struct_size) >= end, let pointer = descriptor.pointee.language else { return "" }
        let text = String(cString: pointer)
        guard (1...16).contains(text.utf8.count), text.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2B })
        else { return "" }
        return text
    }

    /// Maps the module and checks its descriptor; does not call init.
    static func open(path: String, log: @escaping LogSink) -> Result<PluginModule, LoadError> {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            return .failure(.refused("plugin \(path) refused: dlopen failed: \(reason)"))
        }
        // The handle is kept on purpose: unloading Swift code is unsafe.
        guard let symbol = dlsym(handle, KINERJA_PLUGIN_ENTRY_SYMBOL) else {
            return .failure(.refused("plugin \(path) refused: no entry symbol \(KINERJA_PLUGIN_ENTRY_SYMBOL)"))
        }
        let entry = unsafeBitCast(symbol, to: kinerja_plugin_entry.self)
        guard let descriptor = entry() else { return .failure(.refused("plugin \(path) refused: the entry symbol returned no descriptor")) }
        let found = descriptor.pointee.abi_version
        guard found == KINERJA_PLUGIN_ABI_VERSION else {
            return .failure(.refused("plugin \(path) refused: ABI version mismatch: expected \(KINERJA_PLUGIN_ABI_VERSION), found \(found)"))
        }
        guard descriptor.pointee.struct_size >= UInt32(Self.v1BaseSize) else {
            return .failure(
                .refused("plugin \(path) refused: descriptor struct_size \(descriptor.pointee.struct_size) is smaller than v1's \(Self.v1BaseSize)"))
        }
        guard let idPointer = descriptor.pointee.id, descriptor.pointee.invoke != nil, descriptor.pointee.free_buffer != nil else {
            return .failure(.refused("plugin \(path) refused: the descriptor lacks id, invoke or free_buffer"))
        }
        let id = String(cString: idPointer)
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return .failure(.refused("plugin \(path) refused: id '\(id)' must be lowercase letters, digits, '-' or '_'"))
        }
        let version = descriptor.pointee.version.map { String(cString: $0) } ?? ""
        let language = Self.language(of: descriptor)
        // The host table: the plugin's log lines go to `log`.
        let host = UnsafeMutablePointer<kinerja_host>.allocate(capacity: 1)
        let context = Unmanaged.passRetained(LogContext(log)).toOpaque()
        host.initialize(
            to: kinerja_host(
                struct_size: UInt32(MemoryLayout<kinerja_host>.size), abi_version: KINERJA_PLUGIN_ABI_VERSION, context: context,
                log: { context, level, message in
                    guard let context, let message else { return }
                    Unmanaged<LogContext>.fromOpaque(context).takeUnretainedValue().sink(level, String(cString: message))
                }))
        return .success(PluginModule(descriptor: descriptor, path: path, id: id, version: version, language: language, host: host))
    }

    /// The plugin's init with its config section, then Describe.
    func initialise(config: [UInt8]) -> Result<Kinerja_Plugin_V1_DescribeResponse, LoadError> {
        if let initFn = descriptor.pointee.`init` {
            var error = kinerja_buffer(data: nil, len: 0)
            let rc = config.withUnsafeBufferPointer { initFn(host, $0.baseAddress, $0.count, &error) }
            if rc != KINERJA_OK {
                let message = text(error)
                return .failure(.initFailed(id: id, "plugin \(id) (\(path)) failed to initialise: \(message)"))
            }
        }
        switch invoke(method: "Describe", request: []) {
        case .ok(let bytes):
            guard let d = try? Kinerja_Plugin_V1_DescribeResponse(serializedBytes: bytes) else {
                return .failure(.refused("plugin \(id) (\(path)) refused: unreadable Describe response"))
            }
            return .success(d)
        case .error(let message):
            return .failure(.refused("plugin \(id) (\(path)) refused: Describe failed: \(message)"))
        case .unimplemented:
            return .failure(.refused("plugin \(id) (\(path)) refused: Describe is not implemented"))
        }
    }

    enum RawResult: Sendable {
        case ok([UInt8])
        case error(String)
        case unimplemented
    }

    func text(_ buffer: kinerja_buffer) -> String {
        var b = buffer
        defer { if b.data != nil { descriptor.pointee.free_buffer?(&b) } }
        guard let data = b.data else { return "(no message)" }
        return String(decoding: UnsafeBufferPointer(start: data, count: b.len), as: UTF8.self)
    }

    /// Calls the plugin on the current thread.
    func invoke(method: String, request: [UInt8]) -> RawResult {
        var out = kinerja_buffer(data: nil, len: 0)
        let rc = method.withCString { m in
            request.withUnsafeBufferPointer { descriptor.pointee.invoke(m, $0.baseAddress, $0.count, &out) }
        }
        switch rc {
        case KINERJA_OK:
            var bytes: [UInt8] = []
            if let data = out.data {
                bytes = Array(UnsafeBufferPointer(start: data, count: out.len))
                descriptor.pointee.free_buffer?(&out)
            }
            return .ok(bytes)
        case KINERJA_UNIMPLEMENTED:
            if out.data != nil { descriptor.pointee.free_buffer?(&out) }
            return .unimplemented
        default:
            return .error(text(out))
        }
    }

    func shutdown() { descriptor.pointee.shutdown?() }

    private final class LogContext: @unchecked Sendable {
        let sink: LogSink
        init(_ sink: @escaping LogSink) { self.sink = sink }
    }
}
