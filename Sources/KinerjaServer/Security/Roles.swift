import Foundation
import Synchronization

/// What a caller may do. Ordered: each role may call everything a lower one may.
package enum Role: Int, Sendable, Comparable, CustomStringConvertible {
    /// A portal's account acting for employees (`kinerja-actor-nip`).
    case gateway = 1
    /// Staff of the HR office: reads and day-to-day data entry.
    case `operator` = 2
    /// Period control, reload, backup and everything else.
    case admin = 3

    package static func < (a: Role, b: Role) -> Bool { a.rawValue < b.rawValue }

    package var description: String {
        switch self {
        case .gateway: "gateway"
        case .operator: "operator"
        case .admin: "admin"
        }
    }
}

/// The account behind a uid: its name and every group it belongs to.
package struct Account: Sendable, Equatable {
    package var uid: UInt32
    package var name: String?
    package var groups: [UInt32]
    package var groupNames: [String]
}

package enum AccountLookup {
    /// The account of a caller: its name from the user database, and its groups as the calling process holds them
    /// (`peerGroups`, from `SO_PEERGROUPS`) with its gid. A process that dropped its groups has only what it kept; a
    /// group held as a supplementary group counts even when the group database does not list the user. Without
    /// `peerGroups` (a kernel that cannot say) the user database's groups are used.
    package static func account(uid: UInt32, gid: UInt32, peerGroups: [UInt32]?) -> Account {
        guard let peerGroups else { return account(uid: uid, gid: gid) }
        var name: String?
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        if getpwuid_r(uid, &pwd, &buffer, buffer.count, &result) == 0, result != nil, let pwName = pwd.pw_name {
            name = String(cString: pwName)
        }
        var unique: [UInt32] = []
        for g in [gid] + peerGroups where !unique.contains(g) { unique.append(g) }
        return Account(uid: uid, name: name, groups: unique, groupNames: unique.compactMap(groupName))
    }

    /// Looks the uid up in the user database (passwd/group through NSS). The peer's gid is included even
    /// when the user database does not list it.
    package static func account(uid: UInt32, gid: UInt32) -> Account {
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
package struct RolePolicy: Sendable, Equatable {
    package var security: SecurityConfig
    /// The uid the daemon runs as; the daemon's own user is an admin of itself.
    package var daemonUID: UInt32

    /// The process's uid, asked once (a policy is made for every call).
    static let processUID = getuid()

    package init(security: SecurityConfig, daemonUID: UInt32 = RolePolicy.processUID) {
        self.security = security
        self.daemonUID = daemonUID
    }

    package func role(of account: Account) -> Role? {
        func userListed(_ list: [String]) -> Bool {
            list.contains { entry in entry == String(account.uid) || (account.name != nil && entry == account.name) }
        }
        func groupListed(_ list: [String]) -> Bool {
            list.contains { entry in
                account.groups.contains { String($0) == entry } || account.groupNames.contains(entry)
            }
        }
        if account.uid == 0 || account.uid == daemonUID { return .admin }
        // A portal account stays a gateway whatever else it belongs to (in the shipped layout everyone who can open
        // the socket is in the operators' group).
        if userListed(security.gatewayUsers) || groupListed(security.gatewayGroups) { return .gateway }
        if userListed(security.adminUsers) || groupListed(security.adminGroups) { return .admin }
        if userListed(security.operatorUsers) || groupListed(security.operatorGroups) { return .operator }
        return nil
    }
}

/// Remembers account look-ups for a short while so that a busy client does not hit NSS on every call.
final class AccountCache: Sendable {
    private struct Key: Hashable {
        var uid: UInt32
        var gid: UInt32
        var groups: [UInt32]?
    }

    private let entries = Mutex<[Key: (Account, Date)]>([:])
    private let ttl: TimeInterval = 10

    func account(uid: UInt32, gid: UInt32, peerGroups: [UInt32]? = nil) -> Account {
        let key = Key(uid: uid, gid: gid, groups: peerGroups)
        let now = Date()
        if let hit = entries.withLock({ $0[key] }), now.timeIntervalSince(hit.1) < ttl { return hit.0 }
        let account = AccountLookup.account(uid: uid, gid: gid, peerGroups: peerGroups)
        entries.withLock {
            if $0.count > 4_096 { $0.removeAll() }
            $0[key] = (account, now)
        }
        return account
    }

    func clear() { entries.withLock { $0.removeAll() } }
}
