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

#if os(Linux)
/// glibc's `malloc_trim(3)`; the Glibc module does not export it.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

enum Memory {
    /// Hands freed heap pages back to the kernel after a bulk operation (glibc keeps them otherwise),
    /// so that the daemon's resident size drops back once a large import is done.
    static func releaseFreedPages() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }
}
