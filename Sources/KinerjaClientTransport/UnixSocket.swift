import CKinerjaHostSystem
import GRPCCore
import Glibc

/// What both transports (and kinerjactl's probe) need of Unix sockets and threads.
package enum UnixSocket {
    /// The address of the socket file `path`, or nil when the path is too long for one.
    package static func address(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return address
    }

    /// `body` with the address as the `sockaddr` the system calls take.
    package static func withSockaddr<T>(_ address: sockaddr_un, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var address = address
        return withUnsafePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// A new stream socket, close-on-exec; or UNAVAILABLE naming the system's reason.
    package static func makeSocket() -> Result<Int32, RPCError> {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(RPCError(code: .unavailable, message: "cannot make a socket: \(errnoText())")) }
        return .success(fd)
    }

    /// A new socket and the address of `path` to bind or connect it to; INVALID_ARGUMENT when the path is too long for
    /// one, else as `makeSocket`.
    package static func makeSocket(for path: String) -> Result<(Int32, sockaddr_un), RPCError> {
        guard let address = address(path) else {
            return .failure(RPCError(code: .invalidArgument, message: "the socket path \(path) is too long for a Unix socket"))
        }
        return makeSocket().map { ($0, address) }
    }

    /// The text of the current `errno`.
    package static func errnoText() -> String {
        String(cString: strerror(errno))
    }

    /// A detached thread named `name` (at most 15 bytes, as `top -H` shows it) running `body`, with a small stack by
    /// default (threads that only read and write sockets); false when the system would not make one.
    package static func startThread(name: String, stackBytes: Int = 512 << 10, _ body: @escaping @Sendable () -> Void) -> Bool {
        final class Box {
            let name: String
            let body: @Sendable () -> Void
            init(_ name: String, _ body: @escaping @Sendable () -> Void) {
                self.name = name
                self.body = body
            }
        }
        let box = Unmanaged.passRetained(Box(name, body)).toOpaque()
        let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
        pthread_attr_init(attributes)
        defer {
            pthread_attr_destroy(attributes)
            attributes.deallocate()
        }
        pthread_attr_setstacksize(attributes, stackBytes)
        pthread_attr_setdetachstate(attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let result = pthread_create(
            &thread, attributes,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                kinerja_name_thread(box.name)
                box.body()
                return nil
            }, box)
        guard result == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        return true
    }
}
