import CKinerjaHostSystem
import Foundation

/// Starting a child process with `posix_spawn`, shared by the daemon (the sendmail channel) and the test and
/// benchmark fixtures. Children start with default signal dispositions and an empty signal mask, whatever the
/// parent blocks. (Foundation's `Process` sometimes never notices a child's exit while other children run.)
package enum Spawn {
    /// Where a standard stream of the child goes.
    package enum Stream: Sendable {
        /// The parent's own.
        case inherit
        /// /dev/null.
        case null
        /// A file: read for standard input; for output created when missing, appended to or truncated.
        case file(String, append: Bool = true, mode: mode_t = 0o644)
        /// Standard error only: wherever standard output goes.
        case standardOutput
        /// A descriptor of this process (duplicated into the child).
        case descriptor(Int32)
    }

    /// Starts `executable` (looked up on PATH when `searchPath`) with `arguments` (not counting argv[0]) and returns its pid.
    /// `environment` nil: this process's. `descriptors` maps descriptors of the child (above 2) to descriptors of this
    /// process. The child starts with its three standard streams and `descriptors` and nothing else open.
    ///
    /// Nothing else, because close-on-exec cannot be relied on: SwiftNIO opens and accepts its sockets without it. A child
    /// that inherits a connection keeps it open after this process has closed it, for as long as the child lives: a
    /// sendmail the daemon started held the daemon's listening socket and its clients' connections; a daemon a test
    /// started held another test's client connection, so that the daemon serving it waited on that connection when asked
    /// to stop; and a script a test had just written could not be run (ETXTBSY) while a child held its write descriptor.
    package static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, searchPath: Bool = false,
        stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .null, descriptors: [Int32: Int32] = [:]
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (fd, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
            case .file(let path, let append, let mode):
                let flags = fd == 0 ? O_RDONLY : O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
                posix_spawn_file_actions_addopen(&actions, fd, path, flags, mode)
            case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, fd)
            case .descriptor(let source): posix_spawn_file_actions_adddup2(&actions, source, fd)
            }
        }
        for (target, source) in descriptors.sorted(by: { $0.key < $1.key }) {
            posix_spawn_file_actions_adddup2(&actions, source, target)
        }
        // (glibc 2.34 and later; with an older one the child inherits what lacks close-on-exec.)
        _ = kinerja_spawn_close_from(&actions, max(3, (descriptors.keys.max() ?? 2) + 1))
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }
        var pid: pid_t = 0
        let rc =
            searchPath
            ? posix_spawnp(&pid, executable, &actions, &attributes, argv, env)
            : posix_spawn(&pid, executable, &actions, &attributes, argv, env)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        return pid
    }

    /// A `waitpid` status as an exit code: the code, or 128 + the signal that killed the child.
    package static func exitCode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }
}
