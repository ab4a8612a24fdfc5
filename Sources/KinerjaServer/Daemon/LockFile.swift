import Foundation

/// One daemon per state directory: an exclusive `flock` on `kinerjad.lock`, held for the life of the
/// process (the kernel releases it when the process dies, however it dies). The file holds the pid.
package final class LockFile {
    package let path: String
    private let fd: Int32

    package struct HeldError: Error, CustomStringConvertible {
        package var path: String
        package var holderPID: Int32?
        package var description: String {
            let holder = holderPID.map { "kinerjad pid \($0)" } ?? "another process"
            return "state directory is in use: \(holder) holds \(path); stop it first or use another --state-dir"
        }
    }

    package init(path: String) throws {
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

package enum DaemonError: Error, CustomStringConvertible {
    case startup(String)
    package var description: String {
        switch self {
        case .startup(let m): m
        }
    }
}
