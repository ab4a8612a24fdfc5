@_exported import CKinerjaPlugin
import Foundation
@_exported import KinerjaCore
@_exported import KinerjaPluginAPI
@_exported import KinerjaScoring
import SwiftProtobuf

/// The hooks a plugin can implement (`Describe` is always there).
public enum Hook: String, Sendable, CaseIterable {
    case deriveRatings = "DeriveRatings"
    case computeIncentive = "ComputeIncentive"
    case reminderCalendar = "ReminderCalendar"
    case validatePeriod = "ValidatePeriod"
    case report = "Report"
}

/// A plugin's way to write to the daemon's log.
public struct PluginLog: @unchecked Sendable {
    let host: UnsafePointer<kinerja_host>?

    public enum Level: Int32, Sendable {
        case debug = 0
        case info = 1
        case warning = 2
        case error = 3
    }

    public func callAsFunction(_ level: Level = .info, _ message: String) {
        guard let host, let log = host.pointee.log else { return }
        message.withCString { log(host.pointee.context, level.rawValue, $0) }
    }
}

/// An error the plugin reports to the caller of the RPC (its message is shown as is).
public struct PluginError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A Kinerja plugin written in Swift: conform a type, list its hooks, implement them, and export it
/// with one line:
///
/// ```swift
/// @_cdecl("kinerja_plugin_v1")
/// public func kinerja_plugin_v1() -> UnsafePointer<kinerja_plugin> { PluginExport.descriptor(MyPlugin.self) }
/// ```
///
/// The kit does the C ABI, buffer ownership and protobuf (de)serialisation. Methods may be called from
/// several threads at once; keep the plugin immutable after `init` (a `struct` of `let`s is ideal).
public protocol KinerjaPlugin: Sendable {
    static var id: String { get }
    static var version: String { get }
    /// The hooks this plugin implements; others fall back to the national rules.
    static var hooks: [Hook] { get }

    /// Built once, with the plugin's config section (`[plugins.config.<id>]`, flattened to dotted keys).
    init(config: Kinerja_Plugin_V1_PluginConfig, log: PluginLog) throws

    var summary: String { get }
    var reports: [Kinerja_Plugin_V1_ReportInfo] { get }

    func deriveRatings(_ request: Kinerja_Plugin_V1_DeriveRatingsRequest) throws -> Kinerja_Plugin_V1_DeriveRatingsResponse
    func computeIncentive(_ request: Kinerja_Plugin_V1_IncentiveRequest) throws -> Kinerja_Plugin_V1_IncentiveResponse
    func reminderCalendar(_ request: Kinerja_Plugin_V1_ReminderCalendarRequest) throws -> Kinerja_Plugin_V1_ReminderCalendarResponse
    func validatePeriod(_ request: Kinerja_Plugin_V1_ValidatePeriodRequest) throws -> Kinerja_Plugin_V1_ValidatePeriodResponse
    func report(_ request: Kinerja_Plugin_V1_ReportRequest) throws -> Kinerja_Plugin_V1_ReportResponse
}

/// Thrown by the default hook implementations: the host falls back to the national rules.
public struct Unimplemented: Error {}

extension KinerjaPlugin {
    public var summary: String { "" }
    public var reports: [Kinerja_Plugin_V1_ReportInfo] { [] }
    public func deriveRatings(_ request: Kinerja_Plugin_V1_DeriveRatingsRequest) throws -> Kinerja_Plugin_V1_DeriveRatingsResponse { throw Unimplemented() }
    public func computeIncentive(_ request: Kinerja_Plugin_V1_IncentiveRequest) throws -> Kinerja_Plugin_V1_IncentiveResponse { throw Unimplemented() }
    public func reminderCalendar(_ request: Kinerja_Plugin_V1_ReminderCalendarRequest) throws -> Kinerja_Plugin_V1_ReminderCalendarResponse {
        throw Unimplemented()
    }
    public func validatePeriod(_ request: Kinerja_Plugin_V1_ValidatePeriodRequest) throws -> Kinerja_Plugin_V1_ValidatePeriodResponse { throw Unimplemented() }
    public func report(_ request: Kinerja_Plugin_V1_ReportRequest) throws -> Kinerja_Plugin_V1_ReportResponse { throw Unimplemented() }
}

/// The C side of a Swift plugin. One plugin per shared object (each .so has its own copy of the kit).
public enum PluginExport {
    nonisolated(unsafe) static var descriptorPointer: UnsafeMutablePointer<kinerja_plugin>?
    nonisolated(unsafe) static var factory: ((Kinerja_Plugin_V1_PluginConfig, PluginLog) throws -> any KinerjaPlugin)?
    nonisolated(unsafe) static var pluginType: (any KinerjaPlugin.Type)?
    nonisolated(unsafe) static var instance: (any KinerjaPlugin)?
    static let lock = NSLock()

    /// The descriptor for `P`, built on first use and kept for the life of the process.
    public static func descriptor<P: KinerjaPlugin>(_ type: P.Type) -> UnsafePointer<kinerja_plugin> {
        lock.lock()
        defer { lock.unlock() }
        if let d = descriptorPointer { return UnsafePointer(d) }
        factory = { config, log in try P(config: config, log: log) }
        pluginType = P.self
        let d = UnsafeMutablePointer<kinerja_plugin>.allocate(capacity: 1)
        d.initialize(
            to: kinerja_plugin(
                struct_size: UInt32(MemoryLayout<kinerja_plugin>.size),
                abi_version: KINERJA_PLUGIN_ABI_VERSION,
                id: UnsafePointer(strdup(P.id)),
                version: UnsafePointer(strdup(P.version)),
                init: { host, config, length, error in PluginExport.initialize(host, config, length, error) },
                invoke: { method, request, length, out in PluginExport.invoke(method, request, length, out) },
                free_buffer: { buffer in PluginExport.free(buffer) },
                shutdown: { PluginExport.instance = nil },
                language: UnsafePointer(strdup("swift"))))
        descriptorPointer = d
        return UnsafePointer(d)
    }

    static func initialize(
        _ host: UnsafePointer<kinerja_host>?, _ config: UnsafePointer<UInt8>?, _ length: Int, _ errorOut: UnsafeMutablePointer<kinerja_buffer>?
    ) -> Int32 {
        do {
            let bytes = config.map { Data(bytes: $0, count: length) } ?? Data()
            let parsed = try Kinerja_Plugin_V1_PluginConfig(serializedBytes: bytes)
            guard let factory else { throw PluginError("plugin descriptor was not built") }
            let made = try factory(parsed, PluginLog(host: host))
            lock.lock()
            instance = made
            lock.unlock()
            return KINERJA_OK
        } catch {
            return fill(errorOut, "\(error)", code: KINERJA_ERROR)
        }
    }

    static func invoke(
        _ method: UnsafePointer<CChar>?, _ request: UnsafePointer<UInt8>?, _ length: Int, _ out: UnsafeMutablePointer<kinerja_buffer>?
    ) -> Int32 {
        guard let method else { return fill(out, "no method name", code: KINERJA_ERROR) }
        lock.lock()
        let plugin = instance
        lock.unlock()
        guard let plugin, let type = pluginType else { return fill(out, "plugin is not initialised", code: KINERJA_ERROR) }
        let bytes = request.map { Data(bytes: $0, count: length) } ?? Data()
        do {
            let response: any SwiftProtobuf.Message
            switch String(cString: method) {
            case "Describe":
                response = Kinerja_Plugin_V1_DescribeResponse.with {
                    $0.id = type.id
                    $0.version = type.version
                    $0.description_p = plugin.summary
                    $0.hooks = type.hooks.map(\.rawValue)
                    $0.reports = plugin.reports
                }
            case Hook.deriveRatings.rawValue:
                guard type.hooks.contains(.deriveRatings) else { return KINERJA_UNIMPLEMENTED }
                response = try plugin.deriveRatings(Kinerja_Plugin_V1_DeriveRatingsRequest(serializedBytes: bytes))
            case Hook.computeIncentive.rawValue:
                guard type.hooks.contains(.computeIncentive) else { return KINERJA_UNIMPLEMENTED }
                response = try plugin.computeIncentive(Kinerja_Plugin_V1_IncentiveRequest(serializedBytes: bytes))
            case Hook.reminderCalendar.rawValue:
                guard type.hooks.contains(.reminderCalendar) else { return KINERJA_UNIMPLEMENTED }
                response = try plugin.reminderCalendar(Kinerja_Plugin_V1_ReminderCalendarRequest(serializedBytes: bytes))
            case Hook.validatePeriod.rawValue:
                guard type.hooks.contains(.validatePeriod) else { return KINERJA_UNIMPLEMENTED }
                response = try plugin.validatePeriod(Kinerja_Plugin_V1_ValidatePeriodRequest(serializedBytes: bytes))
            case Hook.report.rawValue:
                guard type.hooks.contains(.report) else { return KINERJA_UNIMPLEMENTED }
                response = try plugin.report(Kinerja_Plugin_V1_ReportRequest(serializedBytes: bytes))
            default:
                return KINERJA_UNIMPLEMENTED
            }
            let data: Data = try response.serializedBytes()
            return fill(out, data, code: KINERJA_OK)
        } catch is Unimplemented {
            return KINERJA_UNIMPLEMENTED
        } catch let error as PluginError {
            return fill(out, error.message, code: KINERJA_ERROR)
        } catch {
            return fill(out, "\(type.id): \(error)", code: KINERJA_ERROR)
        }
    }

    static func fill(_ out: UnsafeMutablePointer<kinerja_buffer>?, _ text: String, code: Int32) -> Int32 {
        fill(out, Data(text.utf8), code: code)
    }

    static func fill(_ out: UnsafeMutablePointer<kinerja_buffer>?, _ data: Data, code: Int32) -> Int32 {
        guard let out else { return code }
        let memory = malloc(max(data.count, 1))!.assumingMemoryBound(to: UInt8.self)
        data.copyBytes(to: memory, count: data.count)
        out.pointee = kinerja_buffer(data: memory, len: data.count)
        return code
    }

    static func free(_ buffer: UnsafeMutablePointer<kinerja_buffer>?) {
        guard let buffer, let data = buffer.pointee.data else { return }
        Foundation.free(data)
        buffer.pointee = kinerja_buffer(data: nil, len: 0)
    }
}

extension Kinerja_Plugin_V1_PluginConfig {
    /// A config value, or `fallback` when absent.
    public func string(_ key: String, default fallback: String) -> String { values[key] ?? fallback }

    /// A numeric config value; throws a PluginError naming the key when it is not a number.
    public func double(_ key: String, default fallback: Double) throws -> Double {
        guard let text = values[key] else { return fallback }
        guard let v = Double(text) else { throw PluginError("config \(key): '\(text)' is not a number") }
        return v
    }

    public func int(_ key: String, default fallback: Int) throws -> Int {
        guard let text = values[key] else { return fallback }
        guard let v = Int(text) else { throw PluginError("config \(key): '\(text)' is not a whole number") }
        return v
    }
}
