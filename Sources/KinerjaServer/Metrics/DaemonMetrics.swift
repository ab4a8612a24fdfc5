import CoreFoundation
import CoreMetrics
import Foundation
import KinerjaStore
import Prometheus
import Synchronization

/// The daemon's metrics (swift-metrics, exported by swift-prometheus from a registry of this daemon's own, so that
/// several daemons in one test process keep theirs apart). Counters and histograms are recorded where things
/// happen; gauges that describe a state (database and WAL size, outbox depth, RSS, open files) are read at scrape time.
package final class DaemonMetrics: Sendable {
    package let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    package init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
            .seconds(30), .seconds(60),
        ]
        self.factory = factory
    }

    /// One RPC: its count by method and status code, and its latency by method.
    package func rpc(method: String, code: String, duration: Duration) {
        let instruments = rpcInstruments(method: method, code: code)
        instruments.requests.increment()
        instruments.duration.recordNanoseconds(duration.nanoseconds)
    }

    /// The counter and histogram of one method and code, made once: a call no longer looks them up in the registry
    /// (a lock and the hashing of their dimensions, 3% of a Status call). At most `rpcInstrumentLimit` pairs are kept; the
    /// registry remains the source of truth beyond them.
    private func rpcInstruments(method: String, code: String) -> RPCInstruments {
        let key = RPCKey(method: method, code: code)
        if let known = rpcCache.withLock({ $0[key] }) { return known }
        let made = RPCInstruments(
            requests: Counter(label: "kinerja_rpc_requests_total", dimensions: [("method", method), ("code", code)], factory: factory),
            duration: Timer(label: "kinerja_rpc_duration_seconds", dimensions: [("method", method)], factory: factory))
        rpcCache.withLock { if $0.count < Self.rpcInstrumentLimit { $0[key] = made } }
        return made
    }

    private struct RPCKey: Hashable {
        let method: String
        let code: String
    }

    private struct RPCInstruments {
        let requests: CoreMetrics.Counter
        let duration: CoreMetrics.Timer
    }

    static let rpcInstrumentLimit = 1_024
    private let rpcCache = Mutex<[RPCKey: RPCInstruments]>([:])

    /// One plugin hook call: count, errors and time per plugin and hook.
    package func pluginCall(plugin: String, hook: String, duration: Duration, failed: Bool) {
        Counter(label: "kinerja_plugin_calls_total", dimensions: [("plugin", plugin), ("hook", hook)], factory: factory).increment()
        if failed { Counter(label: "kinerja_plugin_errors_total", dimensions: [("plugin", plugin), ("hook", hook)], factory: factory).increment() }
        Timer(label: "kinerja_plugin_call_duration_seconds", dimensions: [("plugin", plugin), ("hook", hook)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    /// One import (applied, refused or a dry run) and its data rows, by kind.
    package func importDone(kind: String, outcome: String, rows: Int) {
        Counter(label: "kinerja_imports_total", dimensions: [("kind", kind), ("outcome", outcome)], factory: factory).increment()
        Counter(label: "kinerja_import_rows_total", dimensions: [("kind", kind)], factory: factory).increment(by: Int64(max(0, rows)))
    }

    /// Outbox deliveries and failed attempts by channel.
    package func delivery(channel: String, ok: Bool) {
        Counter(label: ok ? "kinerja_outbox_deliveries_total" : "kinerja_outbox_failures_total", dimensions: [("channel", channel)], factory: factory)
            .increment()
    }

    /// A reminder rule that fired (an occurrence fanned out).
    package func reminderFired(rule: String) {
        Counter(label: "kinerja_reminder_firings_total", dimensions: [("rule", rule)], factory: factory).increment()
    }

    func gauge(_ label: String, _ dimensions: [(String, String)] = [], _ value: Double) {
        Gauge(label: label, dimensions: dimensions, factory: factory).record(value)
    }

    /// The Prometheus text format, with the state gauges read now.
    package func scrape(store: Store, databasePath: String) async -> String {
        func size(_ path: String) -> Double {
            var info = stat()
            return stat(path, &info) == 0 ? Double(info.st_size) : 0
        }
        gauge("kinerja_database_size_bytes", [], size(databasePath))
        gauge("kinerja_database_wal_size_bytes", [], size(databasePath + "-wal"))
        gauge("kinerja_database_checkpoints", [], Double(store.checkpoints))
        if let depth = try? await store.read({ db in try ReminderStore.outboxDepth(db) }) {
            var seen: Set<String> = []
            for d in depth {
                gauge("kinerja_outbox_messages", [("status", d.status), ("channel", d.channel)], Double(d.count))
                seen.insert(d.status + "/" + d.channel)
            }
            // A status that emptied reads 0, not its last count.
            for status in ["pending", "sent", "failed", "dead"] {
                for channel in ["webhook", "sendmail", "log"] where !seen.contains(status + "/" + channel) {
                    gauge("kinerja_outbox_messages", [("status", status), ("channel", channel)], 0)
                }
            }
        }
        gauge("kinerja_process_resident_memory_bytes", [], Self.residentBytes())
        gauge("kinerja_process_open_fds", [], Double(Self.openFileDescriptors()))
        return registry.emitToString()
    }

    /// Resident set size from /proc/self/statm (pages × page size).
    static func residentBytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func openFileDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : ns + attoseconds / 1_000_000_000
    }
}
