import GRPCCore
import KinerjaPluginHost

/// A plugin call that failed reaches the caller with its own status: the plugin is not there or refused
/// (FAILED_PRECONDITION), broke its contract or crashed (INTERNAL), or overran its deadline (DEADLINE_EXCEEDED).
extension PluginCallError: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code {
        switch self {
        case .notLoaded, .pluginError, .failed: .failedPrecondition
        case .garbage, .crashed: .internalError
        case .deadline: .deadlineExceeded
        }
    }

    public var rpcErrorMessage: String { description }
}

extension Policy.UnknownMethod: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code { .invalidArgument }
    public var rpcErrorMessage: String { description }
}

extension Policy.BadRequestJSON: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code { .invalidArgument }
    public var rpcErrorMessage: String { description }
}

extension NationalPolicy.NoSuchReport: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code { .notFound }
    public var rpcErrorMessage: String { description }
}
