import GRPCCore
import KinerjaCore

extension Caller {
    enum Right {
        /// The employee themselves (gateway acting for them), or an operator/admin.
        case own
        /// The employee's direct supervisor (gateway acting for them), or an operator/admin.
        case supervisor
        /// The employee or their direct supervisor.
        case ownOrSupervisor
        /// The employee, their direct supervisor, or one of their direct subordinates (who reads their supervisor's
        /// SKP to choose an intervensi).
        case ownSupervisorOrSubordinate
    }

    /// Gateway callers act for one employee and get that employee's rights; operators and admins may do all.
    /// `actorReportsTo`: whether the acting employee reports directly to `employee` (asked only for
    /// `ownSupervisorOrSubordinate`).
    func require(_ right: Right, employee: Employee, action: String, actorReportsTo: (String) throws -> Bool = { _ in false }) throws {
        guard role == .gateway else { return }
        guard !actorNIP.isEmpty else {
            throw RPCError(code: .permissionDenied, message: "a gateway must name the employee it acts for (metadata kinerja-actor-nip) to \(action)")
        }
        let isSelf = actorNIP == employee.nip
        let isSupervisor = employee.supervisorNIP == actorNIP
        let allowed =
            switch right {
            case .own: isSelf
            case .supervisor: isSupervisor
            case .ownOrSupervisor: isSelf || isSupervisor
            case .ownSupervisorOrSubordinate: try isSelf || isSupervisor || actorReportsTo(employee.nip)
            }
        if !allowed {
            let who =
                switch right {
                case .own: "only \(employee.nip) themselves"
                case .supervisor: "only \(employee.nip)'s direct supervisor (\(employee.supervisorNIP ?? "none"))"
                case .ownOrSupervisor: "only \(employee.nip) or their direct supervisor"
                case .ownSupervisorOrSubordinate: "only \(employee.nip), their direct supervisor or their direct subordinates"
                }
            throw RPCError(code: .permissionDenied, message: "\(actorNIP) may not \(action): \(who) may")
        }
    }
}
