import Dispatch
import Glibc
import Synchronization

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
/// glibc's `malloc_trim(3)` and `mallopt(3)`; the Glibc module does not export them.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

enum Memory {
    /// Hands freed heap pages back to the kernel after a bulk operation (glibc keeps them otherwise),
    /// so that the daemon's resident size drops back once a large import is done.
    static func releaseFreedPages() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }

    /// Before the first thread starts: at most four malloc arenas. glibc gives each thread that allocates its own
    /// arena (up to 8 per core); a bulk RPC's memory is then spread over several, and what is freed there stays
    /// fragmented (after the 100,000-employee month the daemon kept 131 MB with 16 arenas, 76 MB with four, trimmed;
    /// two made concurrent calls wait on the allocator's locks). `MALLOC_ARENA_MAX` in the environment still wins.
    static func limitArenas() {
        #if os(Linux)
        if getenv("MALLOC_ARENA_MAX") == nil { _ = glibcMallopt(-8, 4) }  // M_ARENA_MAX
        #endif
    }

    /// After an RPC that ran this long, the freed heap is handed back (in the background): bulk work (imports,
    /// computations, exports, listings) leaves hundreds of MB free, a short call leaves nothing worth the trim.
    static let trimAfter: Duration = .milliseconds(50)

    /// How long after a long call its trim runs: the call is timed to its last response message, while its request,
    /// its response and the transport's buffers are still held; trimmed at once, those stayed resident (after the
    /// 100,000-employee month, 74 MB resident with 7 MB in use).
    static let trimDelay: DispatchTimeInterval = .milliseconds(200)

    /// Trims once no other trim is running (`releaseFreedPages` walks the whole heap), a moment after the call.
    static func trimSoon() {
        guard trimming.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return }
        trimQueue.asyncAfter(deadline: .now() + trimDelay) {
            releaseFreedPages()
            trimming.store(false, ordering: .releasing)
        }
    }

    private static let trimming = Atomic<Bool>(false)
    private static let trimQueue = DispatchQueue(label: "kinerja.trim", qos: .utility)
}
