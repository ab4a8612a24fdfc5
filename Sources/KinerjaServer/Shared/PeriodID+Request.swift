import GRPCCore
import KinerjaCore

extension PeriodID {
    /// The period a request names (INVALID_ARGUMENT when it names none); `annual`: it must be a year (SKPs).
    static func requested(_ text: String, annual: Bool = false) throws -> PeriodID {
        let id: PeriodID
        do { id = try PeriodID(text) } catch { throw RPCError(code: .invalidArgument, message: error.message) }
        if annual && id.kind != .annual { throw RPCError(code: .invalidArgument, message: "an SKP belongs to an annual period (e.g. \(id.year)), not \(id)") }
        return id
    }
}
