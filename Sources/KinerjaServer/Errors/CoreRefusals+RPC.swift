import GRPCCore
import KinerjaCore

// The core's refusals carry their own status when they reach a caller: a request that breaks a rule of its input is
// INVALID_ARGUMENT; a transition the current state forbids is FAILED_PRECONDITION. Services usually add context (which
// period, which employee) by wrapping them; one that escapes unwrapped still gets the right code.

/// A value from outside that breaks a rule (a NIP, a golongan, a period id, a number out of range).
extension ValidationError: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code { .invalidArgument }
    public var rpcErrorMessage: String { message }
}

/// A realisasi the rules refuse (names the field).
extension RealisasiRules.Refusal: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code { .invalidArgument }
    public var rpcErrorMessage: String { "\(column): \(message)" }
}

/// A period transition its state does not allow.
extension TransitionRefusal: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code { .failedPrecondition }
    public var rpcErrorMessage: String { description }
}

/// An SKP action its status does not allow.
extension SKPTransitionRefusal: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code { .failedPrecondition }
    public var rpcErrorMessage: String { "the SKP is \(status.rawValue); \(action.rawValue) needs \(action.from.map(\.rawValue).joined(separator: " or "))" }
}
