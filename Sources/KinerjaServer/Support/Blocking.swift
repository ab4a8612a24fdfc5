import Dispatch

/// Runs blocking work (SQLite, file I/O, plugin calls) on a Dispatch queue so that it never occupies a
/// Swift concurrency thread or the NIO event loop.
enum Blocking {
    private static let queue = DispatchQueue(label: "kinerja.blocking", attributes: .concurrent)

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}
