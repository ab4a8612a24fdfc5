import GRPCCore
import KinerjaStore

/// A store refusal reaches the caller with its own status: what is named does not exist (NOT_FOUND), the request
/// breaks a rule (INVALID_ARGUMENT), or the state forbids it now (FAILED_PRECONDITION).
extension StoreError: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code {
        switch code {
        case .notFound: .notFound
        case .invalid: .invalidArgument
        case .failedPrecondition: .failedPrecondition
        }
    }

    public var rpcErrorMessage: String { description }
}

/// A read or write that waited its limit for a staged SKP import to be applied: try again.
extension SKPStore.StagedApplyInProgress: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code { .unavailable }
    public var rpcErrorMessage: String { description }
}
