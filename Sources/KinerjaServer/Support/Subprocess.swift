import Foundation
import KinerjaProcess

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
        let inPath = base + ".in"
        let outPath = base + ".out"
        guard FileManager.default.createFile(atPath: inPath, contents: input, attributes: [.posixPermissions: 0o600]) else {
            throw Failure(description: "cannot write \(inPath)")
        }
        defer {
            unlink(inPath)
            unlink(outPath)
        }
        let pid: pid_t
        do {
            pid = try Spawn.start(
                executable, Array(argv.dropFirst()), searchPath: true, stdin: .file(inPath), stdout: .file(outPath, append: false, mode: 0o600),
                stderr: .standardOutput)
        } catch let error as POSIXError {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(error.code.rawValue)))")
        }
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
        return Result(status: Spawn.exitCode(raw), output: output)
    }
}
