import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaClientTransport

/// Opens a gRPC connection to kinerjad's socket, runs `body`, and maps failures to CLI errors:
/// unreachable daemon → exit 69 with one line saying what to do; an RPC error → exit 1 with its message.
/// Commands whose work grows with the agency (imports, exports, computations over everyone) wait longer by default.
enum CallLength {
    case short, long

    var defaultSeconds: Double { self == .short ? 30 : 600 }
}

func withDaemon<R: Sendable>(
    _ options: GlobalOptions,
    _ length: CallLength = .short,
    _ body: (GRPCClient<UnixSocketClientTransport>, CallOptions, Metadata) async throws -> R
) async throws -> R {
    let path = options.socketPath
    if let problem = unreachableReason(path) {
        throw CLIError(
            exitCode: 69,
            message:
                "cannot reach kinerjad at \(path): \(problem). Start it with `make run` (from the repository) or check `systemctl status kinerjad`; or pass --socket PATH."
        )
    }
    var callOptions = CallOptions.defaults
    callOptions.waitForReady = false
    let seconds = options.timeout ?? length.defaultSeconds
    guard seconds.isFinite, seconds > 0, seconds <= 86_400 else { throw CLIError.usage("--timeout must be 0–86400 seconds, not \(seconds)") }
    callOptions.timeout = .milliseconds(Int64(seconds * 1000))
    // Bulk imports and whole-agency listings are large single messages (the transport applies the
    // "request" limit to what it decodes, so both are raised).
    callOptions.maxRequestMessageBytes = 256 << 20
    callOptions.maxResponseMessageBytes = 256 << 20
    var metadata: Metadata = [:]
    if let nip = options.actorNIP { metadata.addString(nip, forKey: "kinerja-actor-nip") }
    for entry in options.metadata {
        guard let eq = entry.firstIndex(of: "="), eq != entry.startIndex else {
            throw CLIError.usage("--metadata takes KEY=VALUE, got '\(entry)'")
        }
        metadata.addString(String(entry[entry.index(after: eq)...]), forKey: String(entry[..<eq]).lowercased())
    }
    do {
        // A transport of our own for one command's few calls: no event-loop threads to start (see UnixSocketClientTransport).
        let transport = UnixSocketClientTransport(path: path)
        return try await withGRPCClient(transport: transport) { client in
            try await body(client, callOptions, metadata)
        }
    } catch let error as RPCError {
        if error.code == .deadlineExceeded {
            throw CLIError(
                exitCode: 1,
                message:
                    "DEADLINE_EXCEEDED: \(error.message) (kinerjactl waits for answers within \(String(format: "%g", seconds)) s\(options.timeout == nil ? ", its default" : ""): pass --timeout SECONDS to wait longer)"
            )
        }
        if error.code == .unavailable {
            throw CLIError(
                exitCode: 69,
                message: "cannot reach kinerjad at \(path): \(error.message). Start it with `make run` or check `systemctl status kinerjad`.")
        }
        throw CLIError(exitCode: 1, message: "\(codeName(error.code)): \(error.message)")
    }
}

/// Why nothing answers on `path`, or nil when something accepts connections there.
func unreachableReason(_ path: String) -> String? {
    var st = stat()
    guard lstat(path, &st) == 0 else { return "no socket file" }
    guard (st.st_mode & S_IFMT) == S_IFSOCK else { return "the file is not a socket" }
    guard let address = UnixSocket.address(path) else { return "the path is too long for a Unix socket" }
    let fd: Int32
    switch UnixSocket.makeSocket() {
    case .success(let made): fd = made
    case .failure(let error): return error.message
    }
    defer { close(fd) }
    let result = UnixSocket.withSockaddr(address) { connect(fd, $0, $1) }
    if result == 0 { return nil }
    let err = errno
    if err == ECONNREFUSED { return "nothing is listening (stale socket file)" }
    if err == EACCES { return "permission denied on the socket (are you in the kinerja group?)" }
    return String(cString: strerror(err))
}

func codeName(_ code: RPCError.Code) -> String {
    switch code {
    case .invalidArgument: "INVALID_ARGUMENT"
    case .notFound: "NOT_FOUND"
    case .alreadyExists: "ALREADY_EXISTS"
    case .permissionDenied: "PERMISSION_DENIED"
    case .failedPrecondition: "FAILED_PRECONDITION"
    case .unauthenticated: "UNAUTHENTICATED"
    case .resourceExhausted: "RESOURCE_EXHAUSTED"
    case .aborted: "ABORTED"
    case .outOfRange: "OUT_OF_RANGE"
    case .unimplemented: "UNIMPLEMENTED"
    case .internalError: "INTERNAL"
    case .unavailable: "UNAVAILABLE"
    case .deadlineExceeded: "DEADLINE_EXCEEDED"
    case .cancelled: "CANCELLED"
    case .dataLoss: "DATA_LOSS"
    default: "UNKNOWN"
    }
}
