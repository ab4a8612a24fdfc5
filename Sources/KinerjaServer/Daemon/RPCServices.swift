import GRPCCore

/// The daemon's RPC services and the interceptor every call passes through: one list, for the sockets and for
/// in-process tests alike.
package enum RPCServices {
    package static func all(state: DaemonState) -> [any RegistrableRPCService] {
        [
            AdminService(state: state), OrgService(state: state), PluginService(state: state), PeriodService(state: state), SKPService(state: state),
            AppraisalService(state: state), TPPService(state: state), ReminderService(state: state), AccountService(state: state),
            HealthService(state: state), ReflectionService(), ReflectionServiceV1Alpha(),
        ]
    }

    /// Establishes the caller (from the credentials the stream gate stamps) and turns every error into a status.
    package static func interceptors(state: DaemonState) -> [any ServerInterceptor] {
        [AuthorizationInterceptor(state: state)]
    }
}
