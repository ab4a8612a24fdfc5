import GRPCCore
import KinerjaCore

/// Limits and ranges in requests, read the same way by every RPC: a negative `limit` is INVALID_ARGUMENT, 0 means
/// the default, anything above `maximum` is capped; a date range whose start is after its end is INVALID_ARGUMENT.
enum RequestLimits {
    static func limit(_ value: Int32, default fallback: Int, maximum: Int = 100_000) throws -> Int {
        guard value >= 0 else { throw RPCError(code: .invalidArgument, message: "limit must not be negative (found \(value))") }
        return value == 0 ? fallback : min(Int(value), maximum)
    }

    /// `from`/`to` as dates (either may be empty); from ≤ to.
    static func dateRange(from: String, to: String) throws -> (from: CivilDate?, to: CivilDate?) {
        func parse(_ name: String, _ text: String) throws -> CivilDate? {
            guard !text.isEmpty else { return nil }
            guard let d = CivilDate(iso: text) else {
                throw RPCError(code: .invalidArgument, message: "\(name) '\(Quote.short(text))' is not a date YYYY-MM-DD")
            }
            return d
        }
        let f = try parse("from", from)
        let t = try parse("to", to)
        if let f, let t, f > t { throw RPCError(code: .invalidArgument, message: "from \(f) is after to \(t)") }
        return (f, t)
    }
}

extension RequestLimits {
    /// A text field of a request within its limit (INVALID_ARGUMENT naming the field otherwise).
    static func text(_ value: String, _ field: String, _ limit: FieldLimit = .text) throws {
        if let why = limit.check(value) { throw RPCError(code: .invalidArgument, message: "\(field) \(why)") }
    }
}
