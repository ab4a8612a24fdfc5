import GRDB
import GRPCCore
import KinerjaCore
import KinerjaStore

/// The one way a request's NIP is read: a malformed one is INVALID_ARGUMENT on every RPC (quoting at most 80
/// characters of it), an unknown one NOT_FOUND.
enum EmployeeLookup {
    /// A NIP or NI PPPK is 18 ASCII digits (the parts are checked by kind when an employee is imported).
    static func requireWellFormed(_ nip: String) throws {
        let u = nip.utf8
        guard u.count == 18, u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw RPCError(code: .invalidArgument, message: "'\(Quote.short(nip))' is not a NIP: a NIP (or NI PPPK) has 18 digits")
        }
    }

    static func employee(_ db: Database, _ nip: String) throws -> Employee {
        try requireWellFormed(nip)
        return try OrganisationStore.requireEmployee(db, nip: nip)
    }
}
