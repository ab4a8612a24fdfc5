import Foundation
import NIOCore
import NIOHTTP2

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

    /// Room for 256 supplementary groups. NIO zero-fills the buffer and does not return the length, so the list ends
    /// at the trailing zeros (the kernel keeps groups sorted: a root group 0 can only come first).
    struct GroupBuffer {
        var gids:
            (
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
            )
        init() {
            gids = (
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            )
        }

        var list: [UInt32] {
            withUnsafeBytes(of: gids) { raw in
                var all = Array(raw.bindMemory(to: UInt32.self))
                while let last = all.last, last == 0 { all.removeLast() }
                return all
            }
        }
    }

    /// The credentials of the process at the other end of `connection` (nil when the socket cannot say).
    static func of(_ connection: any Channel) -> EventLoopFuture<PeerCredentials?> {
        guard let provider = connection as? any SocketOptionProvider else { return connection.eventLoop.makeSucceededFuture(nil) }
        let credentials: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(soPeerCred)
        ).map { (c: UCred) in PeerCredentials(pid: c.pid, uid: c.uid, gid: c.gid) }
        let groups: EventLoopFuture<GroupBuffer?> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(soPeerGroups)
        ).map { (buffer: GroupBuffer) -> GroupBuffer? in buffer }.recover { _ in nil }
        return credentials.and(groups).map { cred, buffer -> PeerCredentials? in
            var cred = cred
            cred.groups = buffer?.list
            return cred
        }.recover { _ in nil }
    }
}
