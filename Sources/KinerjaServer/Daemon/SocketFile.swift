import CoreFoundation
import Foundation

/// The listening socket's file: a stale one left by a crash is removed; a live one (a process accepts
/// connections on it) is never taken over.
package enum SocketFile {
    package enum Probe: Equatable {
        case absent
        case stale
        case live
        case notASocket
    }

    package static func probe(_ path: String) -> Probe {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .absent }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else { return .notASocket }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .stale }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return .stale }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let result = withUnsafePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result == 0 ? .live : .stale
    }

    /// Makes `path` ready to bind: creates its directory, removes a stale socket, refuses a live one.
    package static func prepare(_ path: String) throws {
        guard path.utf8.count < 108 else {
            throw DaemonError.startup("socket path \(path) is longer than the 107 bytes a Unix socket allows; choose a shorter --socket")
        }
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        switch probe(path) {
        case .absent:
            return
        case .stale:
            guard unlink(path) == 0 else {
                throw DaemonError.startup("cannot remove the stale socket \(path): \(String(cString: strerror(errno)))")
            }
        case .live:
            throw DaemonError.startup("socket \(path) is in use: another kinerjad is answering on it")
        case .notASocket:
            throw DaemonError.startup("\(path) exists and is not a socket; remove it or choose another --socket")
        }
    }
}
