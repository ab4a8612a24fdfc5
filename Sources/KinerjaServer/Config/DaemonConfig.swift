import Foundation
import KinerjaCore
import Logging

/// A setting that was refused, with where it was written: `kinerjad.toml:7: key 'log_level': …`.
package struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    package var file: String
    package var line: Int?
    package var key: String?
    package var message: String

    package init(file: String, line: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    package var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        if let key { s += "key '\(Quote.short(key))': " }
        return s + message
    }
}

/// Who may call which RPCs, mapped from the caller's uid and groups (see `Roles`).
package struct SecurityConfig: Sendable, Equatable {
    /// User names or numeric uids granted the admin role (uid 0 always is).
    package var adminUsers: [String] = []
    package var adminGroups: [String] = ["kinerja-admin"]
    package var operatorUsers: [String] = []
    package var operatorGroups: [String] = ["kinerja"]
    /// Accounts of portals that act for employees with the `kinerja-actor-nip` header.
    package var gatewayUsers: [String] = []
    /// Members of these groups are gateways and nothing more, whatever else they belong to.
    package var gatewayGroups: [String] = []

    package init() {}
}

/// The contents of `kinerjad.toml`, validated. Every key is optional; what is absent falls through to the
/// next source (systemd's environment, then the local defaults).
/// The `[public_feedback]` section: how many anonymous submissions an hour one link, and one client address, may make.
package struct PublicFeedbackSettings: Sendable, Equatable {
    package var perTokenPerHour = 20
    package var perAddressPerHour = 5
    package init() {}
}

/// The `[accounts]` section: how employees' portal passwords are kept.
package struct AccountSettings: Sendable, Equatable {
    /// bcrypt's cost (log2 of its rounds): 12 to 16 in the config file. Each step doubles the time a login takes.
    package var bcryptCost = 12
    package init() {}
}

/// Where the Prometheus metrics are served.
package enum MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    package var description: String {
        switch self {
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): "unix:\(path)"
        }
    }

    /// `127.0.0.1:9464`, `[::1]:9464`, `localhost:9464` or `unix:/run/kinerja/metrics.sock`; nil for anything else.
    package init?(_ text: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard path.hasPrefix("/"), path.utf8.count < 100 else { return nil }
            self = .unix(path: path)
            return
        }
        let host: String
        let portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            host = String(parts[0])
            portText = parts[1]
        }
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else { return nil }
        self = .tcp(host: host, port: port)
    }

    /// Reachable only from this machine: a Unix socket or a loopback address.
    package var isLocal: Bool {
        switch self {
        case .unix: true
        case .tcp(let host, _): host == "localhost" || host.hasPrefix("127.") || host == "::1"
        }
    }
}

/// The `[metrics]` section: off unless `listen` is set.
package struct MetricsSettings: Sendable, Equatable {
    package var listen: MetricsAddress?
    /// A non-loopback `listen` needs this (the metrics describe the agency's activity).
    package var allowRemote = false
    package init() {}
}

/// The `[appraisal]` section: the agency's options of PermenPANRB 6/2022 that the regulation leaves open.
package struct AppraisalSettings: Sendable, Equatable {
    /// `[appraisal.unit_head_hasil]`: the Hasil Kerja a unit head takes from each unit predikat.
    package var unitHead = UnitHeadMapping()
    /// `credits_from`: a year's angka kredit from the annual predikat or the sum of the periodic credits.
    package var creditsFrom = CreditsFrom.annual
    package init() {}
}

/// The `[plugins]` section; absent keys keep the defaults of `PluginSettings`.
package struct PluginConfigSection: Sendable, Equatable {
    package var directory: String?
    /// The plugin host program (`plugins.host`); nil: `PluginSettings.defaultHostExecutable`.
    package var host: String?
    package var load: [String] = []
    package var allowInsecurePermissions = false
    package var callTimeoutMilliseconds: Int64 = 10_000
    /// `[plugins.config.<id>]`, flattened to dotted keys with values as text.
    package var configs: [String: [String: String]] = [:]
    package init() {}
}

/// The `[reminders]` section: delivery channels and retry policy.
package struct ReminderSettings: Sendable, Equatable {
    /// False: the scheduler does not fire rules (delivery of what is queued goes on).
    package var schedulerEnabled = true
    package var webhookURL: String?
    /// HMAC-SHA256 key for the `X-Kinerja-Signature` header.
    package var webhookSecret = ""
    package var webhookTimeoutMilliseconds: Int64 = 10_000
    /// Requests in flight at once.
    package var webhookConcurrency = 64
    /// Split on blanks; the RFC 5322 message goes to its standard input.
    package var sendmailCommand = "/usr/sbin/sendmail -t -i"
    package var sendmailFrom = "kinerja@localhost"
    package var maxAttempts = 8
    package var backoffBaseSeconds: Int64 = 5
    package var backoffMaxSeconds: Int64 = 3600
    package init() {}
}

package struct DaemonConfigFile: Sendable, Equatable {
    package var path: String
    package var stateDir: String?
    package var socket: String?
    /// `gateway_socket`: a second socket that serves gateway calls only.
    package var gatewaySocket: String?
    package var logLevel: Logger.Level?
    package var security = SecurityConfig()
    package var plugins = PluginConfigSection()
    /// `[tpp]`: the agency's TPP numbers (shares, predikat factors, deductions, tax bands).
    package var tpp = TPPPolicy()
    package var reminders = ReminderSettings()
    /// `[server]`: what one connection may make the daemon hold.
    package var limits = ConnectionLimits()
    /// `[accounts]`: employees' portal credentials.
    package var accounts = AccountSettings()
    /// `[public_feedback]`: limits on anonymous submissions.
    package var publicFeedback = PublicFeedbackSettings()
    /// `[appraisal]`: unit heads' Hasil Kerja, where a year's angka kredit comes from.
    package var appraisal = AppraisalSettings()
    /// `[metrics]`: the Prometheus endpoint, off by default.
    package var metrics = MetricsSettings()

    package init(path: String) { self.path = path }

    package static let logLevels: [String: Logger.Level] = [
        "trace": .trace, "debug": .debug, "info": .info, "notice": .notice,
        "warning": .warning, "error": .error, "critical": .critical,
    ]

    /// Reads and validates the file at `path`; nil when there is no path.
    package static func load(optionalPath path: String?) throws(ConfigError) -> DaemonConfigFile? {
        guard let path else { return nil }
        return try load(path: path)
    }

    /// Reads and validates the file at `path`.
    package static func load(path: String) throws(ConfigError) -> DaemonConfigFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(file: path, message: "cannot read the configuration file: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, message: "the configuration file is not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    package static func parse(_ text: String, path: String) throws(ConfigError) -> DaemonConfigFile {
        let root: TOMLTable
        do {
            root = try TOMLParser.parse(text)
        } catch {
            throw ConfigError(file: path, line: error.line, message: error.message)
        }
        var config = DaemonConfigFile(path: path)
        var reader = TableReader(table: root, prefix: "", file: path)
        config.stateDir = try reader.string("state_dir", nonEmpty: true)
        config.socket = try reader.string("socket", nonEmpty: true)
        config.gatewaySocket = try reader.string("gateway_socket", nonEmpty: true)
        if let (name, line) = try reader.stringWithLine("log_level") {
            guard let level = logLevels[name] else {
                throw ConfigError(
                    file: path, line: line, key: "log_level",
                    message: "'\(Quote.short(name))' is not a log level; use one of trace, debug, info, notice, warning, error, critical")
            }
            config.logLevel = level
        }
        if var security = try reader.table("security") {
            let d = SecurityConfig()
            config.security.adminUsers = try security.stringArray("admin_users") ?? d.adminUsers
            config.security.adminGroups = try security.stringArray("admin_groups") ?? d.adminGroups
            config.security.operatorUsers = try security.stringArray("operator_users") ?? d.operatorUsers
            config.security.operatorGroups = try security.stringArray("operator_groups") ?? d.operatorGroups
            config.security.gatewayUsers = try security.stringArray("gateway_users") ?? d.gatewayUsers
            config.security.gatewayGroups = try security.stringArray("gateway_groups") ?? d.gatewayGroups
            try security.finish()
        }
        if var server = try reader.table("server") {
            let d = ConnectionLimits()
            config.limits.maxConcurrentStreams = Int(try server.integer("max_concurrent_streams", range: 1...10_000) ?? Int64(d.maxConcurrentStreams))
            config.limits.idleTimeout = .seconds(try server.integer("idle_timeout_s", range: 1...86_400) ?? 60)
            config.limits.prefaceTimeout = .seconds(try server.integer("preface_timeout_s", range: 1...3_600) ?? 10)
            config.limits.maxMessageBytes = Int(try server.integer("max_message_mib", range: 1...1_024) ?? 256) << 20
            config.limits.gatewayMaxMessageBytes = Int(try server.integer("gateway_max_message_mib", range: 1...256) ?? 4) << 20
            config.limits.importStepSKPs = Int(try server.integer("import_step_skp", range: 1...1_000_000) ?? Int64(d.importStepSKPs))
            config.limits.importStepRows = Int(try server.integer("import_step_rows", range: 1...10_000_000) ?? Int64(d.importStepRows))
            try server.finish()
        }
        if var publicFeedback = try reader.table("public_feedback") {
            let d = PublicFeedbackSettings()
            config.publicFeedback.perTokenPerHour = Int(try publicFeedback.integer("per_token_per_hour", range: 1...10_000) ?? Int64(d.perTokenPerHour))
            config.publicFeedback.perAddressPerHour =
                Int(try publicFeedback.integer("per_address_per_hour", range: 1...10_000) ?? Int64(d.perAddressPerHour))
            try publicFeedback.finish()
        }
        if var accounts = try reader.table("accounts") {
            config.accounts.bcryptCost = Int(try accounts.integer("bcrypt_cost", range: 12...16) ?? Int64(AccountSettings().bcryptCost))
            try accounts.finish()
        }
        if var plugins = try reader.table("plugins") {
            config.plugins.directory = try plugins.string("dir", nonEmpty: true)
            config.plugins.host = try plugins.string("host", nonEmpty: true)
            config.plugins.load = try plugins.stringArray("load") ?? []
            config.plugins.allowInsecurePermissions = try plugins.bool("allow_insecure_permissions") ?? false
            config.plugins.callTimeoutMilliseconds = try plugins.integer("call_timeout_ms", range: 10...600_000) ?? 10_000
            if let configs = plugins.rawTable("config") {
                for id in configs.table.keys {
                    guard let value = configs.table[id], case .table(let section) = value.kind else {
                        throw ConfigError(file: path, line: configs.table[id]?.line, key: "plugins.config.\(id)", message: "expected a table")
                    }
                    var flat: [String: String] = [:]
                    try flatten(section, prefix: "", into: &flat, file: path, key: "plugins.config.\(id)")
                    config.plugins.configs[id] = flat
                }
            }
            try plugins.finish()
        }
        if var reminders = try reader.table("reminders") {
            config.reminders = try parseReminders(&reminders)
            try reminders.finish()
        }
        if var tpp = try reader.table("tpp") {
            config.tpp = try parseTPP(&tpp)
            try tpp.finish()
        }
        if var metrics = try reader.table("metrics") {
            config.metrics.allowRemote = try metrics.bool("allow_remote") ?? false
            if let (text, line) = try metrics.stringWithLine("listen", nonEmpty: true) {
                guard let address = MetricsAddress(text) else {
                    throw ConfigError(
                        file: path, line: line, key: "metrics.listen",
                        message: "'\(Quote.short(text))' is not HOST:PORT (e.g. 127.0.0.1:9464) or unix:/absolute/path")
                }
                if !address.isLocal && !config.metrics.allowRemote {
                    throw ConfigError(
                        file: path, line: line, key: "metrics.listen",
                        message: "\(text) is not a loopback address: metrics describe the agency's activity; set allow_remote = true to serve them there")
                }
                config.metrics.listen = address
            }
            try metrics.finish()
        }
        if var appraisal = try reader.table("appraisal") {
            config.appraisal = try parseAppraisal(&appraisal)
            try appraisal.finish()
        }
        try reader.finish()
        return config
    }

    static func parseReminders(_ reader: inout TableReader) throws(ConfigError) -> ReminderSettings {
        var r = ReminderSettings()
        r.schedulerEnabled = try reader.bool("scheduler") ?? true
        r.maxAttempts = Int(try reader.integer("max_attempts", range: 1...100) ?? 8)
        r.backoffBaseSeconds = try reader.integer("backoff_base_seconds", range: 1...86_400) ?? 5
        r.backoffMaxSeconds = try reader.integer("backoff_max_seconds", range: 1...604_800) ?? 3600
        if var webhook = try reader.table("webhook") {
            if let (url, line) = try webhook.stringWithLine("url", nonEmpty: true) {
                guard let u = URL(string: url), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
                    throw ConfigError(file: reader.file, line: line, key: "reminders.webhook.url", message: "'\(url)' is not an http:// or https:// URL")
                }
                r.webhookURL = url
            }
            r.webhookSecret = try webhook.string("secret") ?? ""
            if let (path, line) = try webhook.stringWithLine("secret_file", nonEmpty: true) {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ConfigError(file: reader.file, line: line, key: "reminders.webhook.secret_file", message: "cannot read \(path)")
                }
                r.webhookSecret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            r.webhookTimeoutMilliseconds = try webhook.integer("timeout_ms", range: 100...600_000) ?? 10_000
            r.webhookConcurrency = Int(try webhook.integer("concurrency", range: 1...1024) ?? 64)
            try webhook.finish()
        }
        if var sendmail = try reader.table("sendmail") {
            r.sendmailCommand = try sendmail.string("command", nonEmpty: true) ?? r.sendmailCommand
            r.sendmailFrom = try sendmail.string("from", nonEmpty: true) ?? r.sendmailFrom
            try sendmail.finish()
        }
        return r
    }

    static func parseAppraisal(_ reader: inout TableReader) throws(ConfigError) -> AppraisalSettings {
        var a = AppraisalSettings()
        if let (text, line) = try reader.stringWithLine("credits_from") {
            guard let c = CreditsFrom(rawValue: text) else {
                throw ConfigError(file: reader.file, line: line, key: "appraisal.credits_from", message: "'\(Quote.short(text))' must be annual or periodic")
            }
            a.creditsFrom = c
        }
        if var mapping = try reader.table("unit_head_hasil") {
            for p in UnitPredikat.allCases {
                if let (text, line) = try mapping.stringWithLine(p.rawValue) {
                    guard let r = Rating(rawValue: text) else {
                        throw ConfigError(
                            file: reader.file, line: line, key: "appraisal.unit_head_hasil.\(p.rawValue)",
                            message: "'\(Quote.short(text))' must be di_atas, sesuai or di_bawah")
                    }
                    a.unitHead.hasil[p] = r
                }
            }
            try mapping.finish()
        }
        return a
    }

    /// `[tpp]` with its sub-tables; every number has a default (`TPPPolicy()`).
    static func parseTPP(_ reader: inout TableReader) throws(ConfigError) -> TPPPolicy {
        var policy = TPPPolicy()
        policy.kinerjaSharePercent = try reader.integer("kinerja_share_percent", range: 0...100) ?? policy.kinerjaSharePercent
        policy.disiplinSharePercent = try reader.integer("disiplin_share_percent", range: 0...100) ?? policy.disiplinSharePercent
        if policy.kinerjaSharePercent + policy.disiplinSharePercent > 100 {
            throw ConfigError(
                file: reader.file, key: "tpp",
                message: "kinerja_share_percent + disiplin_share_percent is \(policy.kinerjaSharePercent + policy.disiplinSharePercent)%, more than 100%")
        }
        policy.cpnsPercent = try reader.integer("cpns_percent", range: 0...100) ?? policy.cpnsPercent
        if let (mode, line) = try reader.stringWithLine("tax_mode") {
            guard ["withheld", "borne"].contains(mode) else {
                throw ConfigError(file: reader.file, line: line, key: "tpp.tax_mode", message: "'\(Quote.short(mode))' must be withheld or borne")
            }
            policy.taxBorne = mode == "borne"
        }
        policy.bpjsPerMille = try reader.tenthsOfPercent("bpjs_percent", max: 1000) ?? policy.bpjsPerMille
        if var factors = try reader.table("predikat_factor_percent") {
            for predikat in Predikat.allCases {
                if let v = try factors.integer(predikat.rawValue, range: 0...100) { policy.predikatFactorPercent[predikat] = v }
            }
            try factors.finish()
        }
        if var deductions = try reader.table("deduction_percent") {
            for code in ["tl1", "tl2", "tl3", "tl4", "psw1", "psw2", "psw3", "psw4", "tk"] {
                if let v = try deductions.tenthsOfPercent(code, max: 1000) { policy.deductionPerMille[code] = v }
            }
            try deductions.finish()
        }
        if var tax = try reader.table("tax_percent") {
            if let bands = try tax.integerArray("pns", count: 4, range: 0...100) {
                for (i, v) in bands.enumerated() { policy.pnsTaxPercent[i + 1] = v }
            }
            if let bands = try tax.integerArray("pppk", count: 17, range: 0...100) {
                for (i, v) in bands.enumerated() { policy.pppkTaxPercent[i + 1] = v }
            }
            try tax.finish()
        }
        return policy
    }
}

/// `a = { b = 1 }` → `a.b = "1"`; arrays of scalars → comma-joined.
func flatten(_ table: TOMLTable, prefix: String, into out: inout [String: String], file: String, key: String) throws(ConfigError) {
    for k in table.keys {
        guard let v = table[k] else { continue }
        let name = prefix.isEmpty ? k : prefix + "." + k
        switch v.kind {
        case .table(let t): try flatten(t, prefix: name, into: &out, file: file, key: key)
        case .array(let items):
            var parts: [String] = []
            for item in items {
                guard let text = scalarText(item) else {
                    throw ConfigError(file: file, line: item.line, key: "\(key).\(name)", message: "arrays may hold strings and numbers only")
                }
                parts.append(text)
            }
            out[name] = parts.joined(separator: ",")
        default: out[name] = scalarText(v) ?? ""
        }
    }
}

func scalarText(_ v: TOMLValue) -> String? {
    switch v.kind {
    case .string(let s): s
    case .integer(let i): String(i)
    case .float(let f): String(f)
    case .boolean(let b): b ? "true" : "false"
    default: nil
    }
}

/// Reads typed keys from a TOML table and refuses, at the end, any key nobody asked for.
struct TableReader {
    let table: TOMLTable
    let prefix: String
    let file: String
    private var used = Set<String>()

    init(table: TOMLTable, prefix: String, file: String) {
        self.table = table
        self.prefix = prefix
        self.file = file
    }

    func qualified(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }

    func typeError(_ key: String, _ value: TOMLValue, expected: String) -> ConfigError {
        ConfigError(file: file, line: value.line, key: qualified(key), message: "expected \(expected), found a \(value.typeName)")
    }

    mutating func value(_ key: String) -> TOMLValue? {
        used.insert(key)
        return table[key]
    }

    mutating func stringWithLine(_ key: String, nonEmpty: Bool = false) throws(ConfigError) -> (String, Int)? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v.kind else { throw typeError(key, v, expected: "a string") }
        if nonEmpty && s.isEmpty {
            throw ConfigError(file: file, line: v.line, key: qualified(key), message: "must not be empty")
        }
        return (s, v.line)
    }

    mutating func string(_ key: String, nonEmpty: Bool = false) throws(ConfigError) -> String? {
        try stringWithLine(key, nonEmpty: nonEmpty)?.0
    }

    mutating func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .boolean(let b) = v.kind else { throw typeError(key, v, expected: "true or false") }
        return b
    }

    mutating func integer(_ key: String, range: ClosedRange<Int64>) throws(ConfigError) -> Int64? {
        guard let v = value(key) else { return nil }
        guard case .integer(let i) = v.kind else { throw typeError(key, v, expected: "an integer") }
        guard range.contains(i) else {
            throw ConfigError(file: file, line: v.line, key: qualified(key), message: "\(i) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return i
    }

    /// A percentage with at most one decimal (`0.5`, `4`), as tenths of a percent (per mille).
    mutating func tenthsOfPercent(_ key: String, max: Int64) throws(ConfigError) -> Int64? {
        guard let v = value(key) else { return nil }
        let tenths: Int64
        switch v.kind {
        case .integer(let i) where i <= Int64.max / 10: tenths = i * 10
        case .float(let f) where f.isFinite && abs(f) < 1e12:
            let t = (f * 10).rounded()
            guard abs(f * 10 - t) < 1e-6 else {
                throw ConfigError(file: file, line: v.line, key: qualified(key), message: "\(f) has more than one decimal; use steps of 0.1%")
            }
            tenths = Int64(t)
        default: throw typeError(key, v, expected: "a percentage such as 0.5 or 4")
        }
        guard (0...max).contains(tenths) else {
            throw ConfigError(file: file, line: v.line, key: qualified(key), message: "must be between 0 and \(max / 10)%")
        }
        return tenths
    }

    mutating func integerArray(_ key: String, count: Int, range: ClosedRange<Int64>) throws(ConfigError) -> [Int64]? {
        guard let v = value(key) else { return nil }
        guard case .array(let items) = v.kind else { throw typeError(key, v, expected: "an array of \(count) integers") }
        guard items.count == count else {
            throw ConfigError(file: file, line: v.line, key: qualified(key), message: "expected \(count) values, found \(items.count)")
        }
        var out: [Int64] = []
        for item in items {
            guard case .integer(let i) = item.kind, range.contains(i) else {
                throw ConfigError(
                    file: file, line: item.line, key: qualified(key), message: "every value must be an integer in \(range.lowerBound)…\(range.upperBound)")
            }
            out.append(i)
        }
        return out
    }

    mutating func stringArray(_ key: String) throws(ConfigError) -> [String]? {
        guard let v = value(key) else { return nil }
        guard case .array(let items) = v.kind else { throw typeError(key, v, expected: "an array of strings") }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item.kind, !s.isEmpty else {
                throw ConfigError(file: file, line: item.line, key: qualified(key), message: "every element must be a non-empty string")
            }
            out.append(s)
        }
        return out
    }

    /// A sub-table read without key checks (free-form sections such as plugin configs).
    mutating func rawTable(_ key: String) -> TableReader? {
        guard let v = value(key), case .table(let t) = v.kind else { return nil }
        return TableReader(table: t, prefix: qualified(key), file: file)
    }

    mutating func table(_ key: String) throws(ConfigError) -> TableReader? {
        guard let v = value(key) else { return nil }
        guard case .table(let t) = v.kind else { throw typeError(key, v, expected: "a table") }
        return TableReader(table: t, prefix: qualified(key), file: file)
    }

    /// Refuses keys that were never read: a typo must not silently fall back to a default.
    func finish() throws(ConfigError) {
        for key in table.keys where !used.contains(key) {
            let line = table[key]?.line
            throw ConfigError(file: file, line: line, key: qualified(key), message: "unknown key")
        }
    }
}
