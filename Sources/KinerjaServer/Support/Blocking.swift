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
    ///
    /// And a fixed mmap threshold: every block of 256 KiB or more (an upload, a table's columns, a month's results) is
    /// mapped on its own and unmapped when freed. glibc otherwise raises the threshold after the first such block is
    /// freed, up to 32 MB, and later ones come from the arenas, where they stay resident and fragment what is
    /// around them: through the 100,000-employee month the daemon then held 60–100 MB between steps and `tpp
    /// compute` peaked at 175–195 MB; with the threshold fixed it holds about 55 MB and no step peaks above what it
    /// needs on its own. `MALLOC_MMAP_THRESHOLD_` in the environment still wins.
    static func configureAllocator() {
        #if os(Linux)
        if getenv("MALLOC_ARENA_MAX") == nil { _ = glibcMallopt(-8, 4) }  // M_ARENA_MAX
        if getenv("MALLOC_MMAP_THRESHOLD_") == nil { _ = glibcMallopt(-3, 256 << 10) }  // M_MMAP_THRESHOLD
        #endif
    }

    /// After an RPC that ran this long, the freed heap is handed back (in the background): bulk work (imports,
    /// computations, exports, listings) leaves hundreds of MB free, a short call leaves nothing worth the trim.
    static let trimAfter: Duration = .milliseconds(50)

    /// A long call is trimmed twice: at once, for what its handler freed (so that a call right after it does not pile
    /// its own heap on top), and this long after, for what was still held when it was timed, at its last response
    /// message: its request, its response and the transport's buffers.
    static let secondTrimAfter: DispatchTimeInterval = .milliseconds(200)

    /// Trims now and again shortly, one trim at a time (`releaseFreedPages` walks the whole heap). A request while a
    /// trim waits to start joins it; one while a trim runs gets a trim of its own after it (what was freed meanwhile
    /// is not left until the next long call).
    static func trimSoon() {
        trim()
        trimQueue.asyncAfter(deadline: .now() + secondTrimAfter) { trim() }
    }

    private static func trim() {
        guard trimQueued.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return }
        trimQueue.async {
            trimQueued.store(false, ordering: .releasing)
            releaseFreedPages()
        }
    }

    private static let trimQueued = Atomic<Bool>(false)
    private static let trimQueue = DispatchQueue(label: "kinerja.trim", qos: .utility)
}
