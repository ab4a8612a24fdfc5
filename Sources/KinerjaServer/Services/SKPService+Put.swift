import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

extension SKPService {
    /// One SKP through the import's own path (decoding, rules, rights, the status machine), as a one-element document.
    func putSKP(request: Kinerja_V1_PutSKPRequest, context: ServerContext) async throws -> Kinerja_V1_SKP {
        let period = try PeriodID.requested(request.periodID, annual: true)
        try EmployeeLookup.requireWellFormed(request.nip)
        guard request.skp.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{") else {
            throw RPCError(code: .invalidArgument, message: "skp must be one JSON object (one element of an SKP import's \"skp\" list)")
        }
        var document = Data(#"{"period": "\#(period)", "skp": ["#.utf8)
        document.append(request.skp)
        document.append(contentsOf: Array("]}".utf8))
        let (decoded, errors) = SKPDecoding.decode(document, period: period)
        if let first = errors.first {
            throw RPCError(code: .invalidArgument, message: "\(first.description)\(errors.count > 1 ? " (and \(errors.count - 1) more)" : "")")
        }
        guard let items = decoded?.items, items.count == 1, items[0].skp.nip == request.nip else {
            throw RPCError(code: .invalidArgument, message: "skp must be the SKP of \(request.nip) (its \"nip\")")
        }
        let report = try await importSKP(
            request: .with {
                $0.content = document
                $0.periodID = period.description
                $0.submit = request.submit
                $0.fileName = "PutSKP"
            }, context: context)
        guard report.applied else {
            let message = report.errors.prefix(3).map { e in e.path.isEmpty ? e.message : "\(e.path): \(e.message)" }.joined(separator: "; ")
            // The import reports every problem as a row; the one-record call answers with the status of the first kind.
            let code: RPCError.Code =
                if report.errors.contains(where: { $0.message.contains(" may not ") }) {
                    .permissionDenied
                } else if report.errors.contains(where: { $0.message.contains("can be edited") }) {
                    .failedPrecondition
                } else {
                    .invalidArgument
                }
            throw RPCError(code: code, message: message.isEmpty ? "the SKP was not saved" : message)
        }
        return try await store.read { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            guard let skp = try SKPStore.load(db, nip: e.nip, period: period) else { throw RPCError(code: .internalError, message: "the SKP was not saved") }
            return Self.message(skp, employee: e)
        }
    }
}
