import Foundation
import Hummingbird
import NIOCore

/// An `application/x-www-form-urlencoded` body (or query), every value kept as sent.
struct Form: Sendable {
    var fields: [String: [String]] = [:]

    init(_ encoded: String) {
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            fields[key, default: []].append(value)
        }
    }

    static func decode(_ s: Substring) -> String {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }

    subscript(_ key: String) -> String { fields[key]?.first ?? "" }
    func all(_ key: String) -> [String] { fields[key] ?? [] }

    /// The body of a form post, at most `limit` bytes (larger: 413).
    static func read(_ request: Request, limit: Int = 1 << 20) async throws -> Form {
        let buffer = try await request.body.collect(upTo: limit)
        return Form(String(buffer: buffer))
    }
}
