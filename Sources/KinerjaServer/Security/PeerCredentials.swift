import Foundation
import Glibc

/// The caller's process credentials as the kernel reports them for a Unix-socket connection: `SO_PEERCRED` (pid, uid,
/// gid) and `SO_PEERGROUPS` (the supplementary groups of the process, not of the user's entry in the group database).
package struct PeerCredentials: Sendable, Equatable {
    package var pid: Int32
    package var uid: UInt32
    package var gid: UInt32
    /// The calling process's supplementary groups (`SO_PEERGROUPS`, Linux ≥ 4.13) as they were when it connected;
    /// nil when the kernel could not say (then the user database decides, as before).
    package var groups: [UInt32]?

    package init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32]? = nil) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// The metadata key under which the daemon's own channel handler passes the credentials to the RPC
    /// layer. Any client-sent header with this prefix is removed before the daemon adds its own.
    static let headerPrefix = "kinerja-peer"
    static let header = "kinerja-peer-cred"

    /// `uid:gid:pid[:g1,g2,…]` (the groups part is absent when the kernel did not report them, empty when there are none).
    var headerValue: String {
        "\(uid):\(gid):\(pid)" + (groups.map { ":" + $0.map(String.init).joined(separator: ",") } ?? "")
    }

    init?(headerValue: String) {
        let parts = headerValue.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 || parts.count == 4, let uid = UInt32(parts[0]), let gid = UInt32(parts[1]), let pid = Int32(parts[2]) else {
            return nil
        }
        var groups: [UInt32]?
        if parts.count == 4 {
            let list = parts[3].split(separator: ",").map { UInt32($0) }
            guard !list.contains(nil) else { return nil }
            groups = list.compactMap { $0 }
        }
        self.init(pid: pid, uid: uid, gid: gid, groups: groups)
    }
}

/// Reads a connection's peer credentials (`SO_PEERCRED`, `SO_PEERGROUPS`) from its socket.
enum PeerCredentialsLookup {
    static let soPeerCred: Int32 = 17  // SO_PEERCRED on Linux
    static let soPeerGroups: Int32 = 59  // SO_PEERGROUPS on Linux (4.13 and later)

    /// `struct ucred` (Glibc does not export it to Swift).
    struct UCred {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// The credentials of the process at the other end of the socket `fd` (nil when the socket cannot say); its
    /// supplementary groups nil when the kernel cannot list them.
    static func of(fd: Int32) -> PeerCredentials? {
        var cred = UCred()
        var length = socklen_t(MemoryLayout<UCred>.size)
        guard getsockopt(fd, SOL_SOCKET, soPeerCred, &cred, &length) == 0 else { return nil }
        var credentials = PeerCredentials(pid: cred.pid, uid: cred.uid, gid: cred.gid)
        var groups = [UInt32](repeating: 0, count: 64)
        while true {
            var size = socklen_t(groups.count * MemoryLayout<UInt32>.size)
            let result = groups.withUnsafeMutableBytes { getsockopt(fd, SOL_SOCKET, soPeerGroups, $0.baseAddress, &size) }
            if result == 0 {
                credentials.groups = Array(groups.prefix(Int(size) / MemoryLayout<UInt32>.size))
                break
            }
            // ERANGE: the size the list needs is in `size`.
            guard errno == ERANGE, Int(size) > groups.count * MemoryLayout<UInt32>.size, size <= 1 << 20 else { break }
            groups = [UInt32](repeating: 0, count: Int(size) / MemoryLayout<UInt32>.size)
        }
        return credentials
    }
}
