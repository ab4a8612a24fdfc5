import Foundation

/// One daemon per state directory: an exclusive `flock` on `kinerjad.lock`, held for the life of the
/// process (the kernel releases it when the process dies, however it dies). The file holds the pid.
public final class LockFile {
    public let path: String
    private let fd: Int32

    public struct HeldError: Error, CustomStringConvertible {
        public var path: String
        public var holderPID: Int32?
        public var description: String {
            let holder = holderPID.map { "kinerjad pid \($0)" } ?? "another process"
            return "state directory is in use: \(holder) holds \(path); stop it first or use another --state-dir"
        }
    }

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw DaemonError.startup("cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            if err == EWOULDBLOCK {
                let text = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
                throw HeldError(path: path, holderPID: Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
            throw DaemonError.startup("cannot lock \(path): \(String(cString: strerror(err)))")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        self.fd = fd
    }

    deinit { close(fd) }
}

public enum DaemonError: Error, CustomStringConvertible {
    case startup(String)
    public var description: String {
        switch self {
        case .startup(let m): m
        }
    }
}
