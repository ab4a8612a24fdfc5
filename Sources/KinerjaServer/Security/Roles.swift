import Foundation
import Synchronization

/// What a caller may do. Ordered: each role may call everything a lower one may.
public enum Role: Int, Sendable, Comparable, CustomStringConvertible {
    /// A portal's account acting for employees (`kinerja-actor-nip`).
    case gateway = 1
    /// Staff of the HR office: reads and day-to-day data entry.
    case `operator` = 2
    /// Period control, reload, backup and everything else.
    case admin = 3

    public static func < (a: Role, b: Role) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .gateway: "gateway"
        case .operator: "operator"
        case .admin: "admin"
        }
    }
}

/// The account behind a uid: its name and every group it belongs to.
public struct Account: Sendable, Equatable {
    public var uid: UInt32
    public var name: String?
    public var groups: [UInt32]
    public var groupNames: [String]
}

public enum AccountLookup {
    /// Looks the uid up in the user database (passwd/group through NSS). The peer's gid is included even
    /// when the user database does not list it.
    public static func account(uid: UInt32, gid: UInt32) -> Account {
        var name: String?
        var groups: [UInt32] = [gid]
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        if getpwuid_r(uid, &pwd, &buffer, buffer.count, &result) == 0, result != nil, let pwName = pwd.pw_name {
            let userName = String(cString: pwName)
            name = userName
            var count: Int32 = 64
            var list = [gid_t](repeating: 0, count: Int(count))
            if getgrouplist(userName, pwd.pw_gid, &list, &count) == -1 {
                list = [gid_t](repeating: 0, count: Int(count))
                _ = getgrouplist(userName, pwd.pw_gid, &list, &count)
            }
            groups.append(contentsOf: list.prefix(Int(max(count, 0))))
        }
        var unique: [UInt32] = []
        for g in groups where !unique.contains(g) { unique.append(g) }
        return Account(uid: uid, name: name, groups: unique, groupNames: unique.compactMap(groupName))
    }

    static func groupName(_ gid: UInt32) -> String? {
        var grp = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrgid_r(gid, &grp, &buffer, buffer.count, &result) == 0, result != nil, let n = grp.gr_name else { return nil }
        return String(cString: n)
    }
}

/// Maps an account to its role under a `SecurityConfig`.
public struct RolePolicy: Sendable, Equatable {
    public var security: SecurityConfig
    /// The uid the daemon runs as; the daemon's own user is an admin of itself.
    public var daemonUID: UInt32

    public init(security: SecurityConfig, daemonUID: UInt32 = getuid()) {
        self.security = security
        self.daemonUID = daemonUID
    }

    public func role(of account: Account) -> Role? {
        func userListed(_ list: [String]) -> Bool {
            list.contains { entry in entry == String(account.uid) || (account.name != nil && entry == account.name) }
        }
        func groupListed(_ list: [String]) -> Bool {
            list.contains { entry in
                account.groups.contains { String($0) == entry } || account.groupNames.contains(entry)
            }
        }
        if account.uid == 0 || account.uid == daemonUID || userListed(security.adminUsers) || groupListed(security.adminGroups) {
            return .admin
        }
        if userListed(security.operatorUsers) || groupListed(security.operatorGroups) { return .operator }
        if userListed(security.gatewayUsers) { return .gateway }
        return nil
    }
}

/// Remembers account look-ups for a short while so that a busy client does not hit NSS on every call.
final class AccountCache: Sendable {
    private let entries = Mutex<[UInt64: (Account, Date)]>([:])
    private let ttl: TimeInterval = 10

    func account(uid: UInt32, gid: UInt32) -> Account {
        let key = UInt64(uid) << 32 | UInt64(gid)
        let now = Date()
        if let hit = entries.withLock({ $0[key] }), now.timeIntervalSince(hit.1) < ttl { return hit.0 }
        let account = AccountLookup.account(uid: uid, gid: gid)
        entries.withLock { $0[key] = (account, now) }
        return account
    }

    func clear() { entries.withLock { $0.removeAll() } }
}
