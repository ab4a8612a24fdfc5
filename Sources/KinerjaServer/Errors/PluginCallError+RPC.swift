import GRPCCore
import KinerjaPluginHost

/// A plugin call that failed reaches the caller with its own status: the plugin is not there or refused
/// (FAILED_PRECONDITION), broke its contract or crashed (INTERNAL), or overran its deadline (DEADLINE_EXCEEDED).
extension PluginCallError: RPCErrorConvertible {
    package var rpcErrorCode: RPCError.Code {
        switch self {
        case .notLoaded, .pluginError, .failed: .failedPrecondition
        case .garbage, .crashed: .internalError
        case .deadline: .deadlineExceeded
        }
    }

    package var rpcErrorMessage: String { description }
}

extension Policy.UnknownMethod: RPCErrorConvertible {
    package var rpcErrorCode: RPCError.Code { .invalidArgument }
    package var rpcErrorMessage: String { description }
}

extension Policy.BadRequestJSON: RPCErrorConvertible {
    package var rpcErrorCode: RPCError.Code { .invalidArgument }
    package var rpcErrorMessage: String { description }
}

extension NationalPolicy.NoSuchReport: RPCErrorConvertible {
    package var rpcErrorCode: RPCError.Code { .notFound }
    package var rpcErrorMessage: String { description }
}
