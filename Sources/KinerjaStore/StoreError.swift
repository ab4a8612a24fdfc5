import KinerjaCore

/// A refusal from the store: what kind it is (its gRPC status follows from that), the message the caller reads, and
/// the item it is about (an employee, a period, a unit, a file), like swift-nio's `FileSystemError`.
package struct StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    package enum Code: Sendable, Equatable {
        /// The request names something that does not exist.
        case notFound
        /// The request is malformed or violates a rule.
        case invalid
        /// The request is well formed but the current state forbids it.
        case failedPrecondition
    }

    /// What a refusal is about, so that a caller (or a test) need not parse the message.
    package enum Item: Sendable, Equatable {
        case employee(nip: String)
        case period(PeriodID)
        case unit(code: String)
        case file(path: String)
    }

    package var code: Code
    package var message: String
    package var item: Item?

    package init(_ code: Code, _ message: String, item: Item? = nil) {
        self.code = code
        self.message = message
        self.item = item
    }

    package var description: String { message }

    package static func notFound(_ message: String, item: Item? = nil) -> StoreError { StoreError(.notFound, message, item: item) }
    package static func invalid(_ message: String, item: Item? = nil) -> StoreError { StoreError(.invalid, message, item: item) }
    package static func failedPrecondition(_ message: String, item: Item? = nil) -> StoreError {
        StoreError(.failedPrecondition, message, item: item)
    }

    /// The one wording of "this employee does not exist" (the NIP is quoted at most 80 characters long).
    package static func noSuchEmployee(_ nip: String) -> StoreError {
        .notFound("employee \(Quote.short(nip)) does not exist", item: .employee(nip: nip))
    }

    /// The one wording of "this period does not exist".
    package static func noSuchPeriod(_ id: PeriodID) -> StoreError { .notFound("period \(id) does not exist", item: .period(id)) }

    /// The one wording of "this unit does not exist" (the code is quoted at most 80 characters long).
    package static func noSuchUnit(_ code: String) -> StoreError {
        .notFound("unit '\(Quote.short(code))' does not exist", item: .unit(code: code))
    }
}
