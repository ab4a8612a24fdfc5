import Glibc

/// Runs the jobs of short calls on the thread of the connection that read them.
///
/// A task started on the global executor costs a thread wake-up before its first line runs, and libdispatch often wakes
/// a second worker on the way (most of a small call's time on this machine, see the README's fast-path figures). A
/// stream whose method is one of `Configuration.connectionThreadMethods` starts its handler's task with this executor
/// as its preference instead: the task's jobs enqueued on a connection's reading thread (the first one, and those of a
/// handler that resumes from something that thread did) run there, once the frames of that read are handled and before
/// the thread waits for the socket again; jobs enqueued anywhere else (a handler resuming after a read on GRDB's queue,
/// a timer) go to the global executor as any task's would. So a short handler runs from the request's bytes to the
/// response's `send` without leaving the thread, and one that waits on something else still does not hold it.
///
/// The price: while a handler runs there, that connection's other streams are not read. Only methods whose handlers do
/// bounded work (a few indexed reads, no hashing, no scans) belong in the list.
final class ConnectionThreadExecutor: TaskExecutor {
    static let shared = ConnectionThreadExecutor()

    /// The jobs enqueued on one reading thread while it handles what it read.
    final class Jobs {
        fileprivate var pending: [UnownedJob] = []
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()

    /// From now on, jobs enqueued on this thread wait in `jobs` for `runPending`.
    static func attach(_ jobs: Jobs) {
        pthread_setspecific(key, Unmanaged.passUnretained(jobs).toOpaque())
    }

    /// Jobs enqueued on this thread go to the global executor again.
    static func detach() {
        pthread_setspecific(key, nil)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        if let raw = pthread_getspecific(Self.key) {
            Unmanaged<Jobs>.fromOpaque(raw).takeUnretainedValue().pending.append(UnownedJob(job))
        } else {
            globalConcurrentExecutor.enqueue(job)
        }
    }

    /// Rounds of jobs a reading thread runs before it hands the rest on (a task that only yields would keep it).
    static let maxRounds = 64

    /// Runs the jobs collected on this thread (and those they enqueue here), then returns to reading. Of the jobs one
    /// read brought (several calls read at once), the first runs here and the others go to the global executor, to run
    /// beside it on the other cores rather than one after another on this thread. `jobs` must be attached to this
    /// thread.
    static func runPending(_ jobs: Jobs) {
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
