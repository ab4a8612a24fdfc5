import GRPCCore
import KinerjaStore

/// A store refusal reaches the caller with its own status: what is named does not exist (NOT_FOUND), the request
/// breaks a rule (INVALID_ARGUMENT), or the state forbids it now (FAILED_PRECONDITION).
extension StoreError: RPCErrorConvertible {
    package var rpcErrorCode: RPCError.Code {
        switch code {
        case .notFound: .notFound
        case .invalid: .invalidArgument
        case .failedPrecondition: .failedPrecondition
        }
    }

    package var rpcErrorMessage: String { description }
}

/// A read or write that waited its limit for a staged SKP import to be applied: try again.
extension StagedImportStore.StagedApplyInProgress: RPCErrorConvertible {
    package var rpcErrorCode: RPCError.Code { .unavailable }
    package var rpcErrorMessage: String { description }
}
