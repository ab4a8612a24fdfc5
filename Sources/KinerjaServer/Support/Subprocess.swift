import Foundation
import Synchronization

/// Runs a command with `input` on its standard input and waits for it (for the sendmail channel).
/// Input and output go through temporary files, so a chatty child cannot dead-lock a pipe.
enum Subprocess {
    struct Result {
        var status: Int32
        var output: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ argv: [String], input: Data, timeout: TimeInterval, scratch: String) throws -> Result {
        guard let executable = argv.first else { throw Failure(description: "empty command") }
        let base = scratch + "/.subprocess-\(getpid())-\(UUID().uuidString.prefix(8))"
        let inPath = base + ".in", outPath = base + ".out"
        guard FileManager.default.createFile(atPath: inPath, contents: input, attributes: [.posixPermissions: 0o600]) else {
            throw Failure(description: "cannot write \(inPath)")
        }
        defer {
            unlink(inPath)
            unlink(outPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
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
        let args = argv.map { strdup($0) } + [nil]
        defer { args.forEach { free($0) } }
        let env = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, executable, &actions, &attributes, args, env)
        guard rc == 0 else { throw Failure(description: "cannot start \(executable): \(String(cString: strerror(rc)))") }
        let deadline = Date().addingTimeInterval(timeout)
        var raw: Int32 = 0
        while true {
            let r = waitpid(pid, &raw, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { throw Failure(description: "waitpid: \(String(cString: strerror(errno)))") }
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &raw, 0)
                throw Failure(description: "\(executable) did not finish within \(Int(timeout)) s")
            }
            usleep(2_000)
        }
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let signal = raw & 0x7f
        return Result(status: signal == 0 ? (raw >> 8) & 0xff : 128 + signal, output: output)
    }
}
