/// What may happen to an SKP once it is filed: the employee submits it (a draft, or one returned to them), and their
/// supervisor approves it or returns it with a note; after a dialog kinerja the supervisor (or an admin) may revise an
/// approved one back to returned, while the year is in planning or running. An import may replace it only while it is
/// editable.
public enum SKPAction: String, Sendable, CaseIterable {
    case submit, approve
    case `return` = "return"
    case revise

    /// The statuses the action starts from.
    public var from: [SKPStatus] {
        switch self {
        case .submit: [.draft, .returned]
        case .approve, .return: [.submitted]
        case .revise: [.approved]
        }
    }

    /// The status it leads to.
    public var to: SKPStatus {
        switch self {
        case .submit: .submitted
        case .approve: .approved
        case .return, .revise: .returned
        }
    }
}

/// An SKP action its status does not allow.
public struct SKPTransitionRefusal: Error, Sendable, Equatable {
    public var status: SKPStatus
    public var action: SKPAction
}

extension SKPStatus {
    /// The status after `action`, or the refusal when this status does not allow it.
    public func after(_ action: SKPAction) throws(SKPTransitionRefusal) -> SKPStatus {
        guard action.from.contains(self) else { throw SKPTransitionRefusal(status: self, action: action) }
        return action.to
    }
}

extension SKPAction {
    /// nil when the action is allowed while the annual period is in `state`; a revision only in planning or running.
    public func periodRefusal(annual: PeriodID, state: PeriodState) -> String? {
        guard self == .revise, state != .planning, state != .running else { return nil }
        return "period \(annual) is \(state.rawValue): an approved SKP is revised only while its year is in planning or running"
    }
}
