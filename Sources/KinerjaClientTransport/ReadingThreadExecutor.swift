import Glibc

/// Runs tasks' jobs on the thread that reads a connection's socket, in both of Kinerja's transports.
///
/// A task resumed from another thread costs a thread wake-up before its next line runs (most of a small call's time on
/// this machine, see the README's fast-path figures). A task that prefers this executor has the jobs enqueued on a
/// reading thread (the first one, and those of a task that resumes from something that thread did: a request's or a
/// response's parts arriving) run there, once the frames of that read are handled and before the thread waits for the
/// socket again; jobs enqueued anywhere else (a task resuming after a read on GRDB's queue, a timer, its start from
/// another thread) go to the global executor as any task's would.
///
/// - The server (`UnixSocketServerTransport`) starts the handler of a stream whose method is one of
///   `Configuration.connectionThreadMethods` with this preference: a short handler runs from the request's bytes to the
///   response's `send` without leaving the thread, and one that waits on something else still does not hold it.
/// - A client (`UnixSocketClientTransport`) whose caller prefers it (`withTaskExecutorPreference(ReadingThreadExecutor.shared)`)
///   decodes each response, and makes its next call, on the thread that read the response: calls made one after another
///   cost one wake-up each (the reading thread's) instead of two (it, then the caller's thread).
///
/// The price: while a job runs there, that connection's other streams are not read. Only work that is bounded (a
/// server's few indexed reads; a client's decoding of a response and sending of small requests) belongs there; the
/// thread may block in `send` while the peer reads, which a peer within HTTP/2's flow control always does.
public final class ReadingThreadExecutor: TaskExecutor {
    public static let shared = ReadingThreadExecutor()

    /// The jobs enqueued on one reading thread while it handles what it read.
    public final class Jobs {
        public init() {}
        fileprivate var pending: [UnownedJob] = []
        public var isEmpty: Bool { pending.isEmpty }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()

    /// From now on, jobs enqueued on this thread wait in `jobs` for `runPending`.
    public static func attach(_ jobs: Jobs) {
        pthread_setspecific(key, Unmanaged.passUnretained(jobs).toOpaque())
    }

    /// Jobs enqueued on this thread go to the global executor again.
    public static func detach() {
        pthread_setspecific(key, nil)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        if let raw = pthread_getspecific(Self.key) {
            Unmanaged<Jobs>.fromOpaque(raw).takeUnretainedValue().pending.append(UnownedJob(job))
        } else {
            globalConcurrentExecutor.enqueue(job)
        }
    }

    /// Rounds of jobs a reading thread runs before it hands the rest on (a task that only yields would keep it).
    public static let maxRounds = 64

    /// Runs the jobs collected on this thread (and those they enqueue here), then returns to reading. Of the jobs one
    /// read brought (several calls read at once), the first runs here and the others go to the global executor, to run
    /// beside it on the other cores rather than one after another on this thread. `jobs` must be attached to this
    /// thread.
    public static func runPending(_ jobs: Jobs) {
        guard !jobs.pending.isEmpty else { return }
        if jobs.pending.count > 1 {
            for job in jobs.pending.dropFirst() { globalConcurrentExecutor.enqueue(job) }
            jobs.pending.removeSubrange(1...)
        }
        var rounds = 0
        while !jobs.pending.isEmpty {
            let batch = jobs.pending
            jobs.pending = []
            rounds += 1
            if rounds > maxRounds {
                for job in batch { globalConcurrentExecutor.enqueue(job) }
                continue
            }
            for job in batch { job.runSynchronously(on: shared.asUnownedTaskExecutor()) }
        }
    }
}
