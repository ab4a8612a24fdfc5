import Foundation
import GRDB
import GRPCCore
import KinerjaCore
import KinerjaStore

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
    /// `standsIn`: whether the acting employee holds the supervisor's rights over `employee` without being their
    /// supervisor in the staff file (a PLT/PLH today, or the assessor of the period concerned); asked only when needed.
    func require(
        _ right: Right, employee: Employee, action: String, actorReportsTo: (String) throws -> Bool = { _ in false },
        standsIn: () throws -> Bool = { false }
    ) throws {
        guard role == .gateway else { return }
        guard !actorNIP.isEmpty else {
            throw RPCError(code: .permissionDenied, message: "a gateway must name the employee it acts for (metadata kinerja-actor-nip) to \(action)")
        }
        let isSelf = actorNIP == employee.nip
        var isSupervisor = employee.supervisorNIP == actorNIP
        if !isSupervisor && right != .own && !(isSelf && right != .supervisor) { isSupervisor = try standsIn() }
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
                case .supervisor: "only \(employee.nip)'s direct supervisor (\(employee.supervisorNIP ?? "none")) or a PLT/PLH standing in"
                case .ownOrSupervisor: "only \(employee.nip) or their direct supervisor"
                case .ownSupervisorOrSubordinate: "only \(employee.nip), their direct supervisor or their direct subordinates"
                }
            throw RPCError(code: .permissionDenied, message: "\(actorNIP) may not \(action): \(who) may")
        }
    }
}

extension Caller {
    /// `require` with the structure of the agency: a PLT or PLH has, today, the rights of the head they stand in for;
    /// for a `period` that has ended, the supervisor's rights are its assessor's (the supervisor in force on its last
    /// day, or a PLT then), not those of whoever supervises the employee now.
    func require(
        _ right: Right, employee: Employee, action: String, db: GRDB.Database, now: Date, actorReportsTo: (String) throws -> Bool = { _ in false },
        period: PeriodID? = nil
    ) throws {
        guard role == .gateway, !actorNIP.isEmpty else { return try require(right, employee: employee, action: action, actorReportsTo: actorReportsTo) }
        // Read only when the staff file alone does not decide (not for the employee themselves or their supervisor now).
        var today: CivilDate?
        func agencyToday() throws -> CivilDate {
            if today == nil { today = try AgencyClock.agency(db, at: now).today }
            return today!
        }
        var assessor: String??
        func periodAssessor() throws -> String? {
            if let assessor { return assessor }
            var found: String?
            if let period, period.dates.end < (try agencyToday()) {
                found = try StructureStore.assessment(db, of: employee, on: period.dates.end).assessor
            }
            assessor = .some(found)
            return found
        }
        var subject = employee
        if right == .supervisor, let period, period.dates.end < (try agencyToday()) { subject.supervisorNIP = try periodAssessor() }
        try require(right, employee: subject, action: action, actorReportsTo: actorReportsTo) {
            if try periodAssessor() == actorNIP { return true }
            return try StructureStore.actsAsSupervisor(db, actor: actorNIP, of: employee, on: try agencyToday())
        }
    }
}
