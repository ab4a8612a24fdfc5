import NIOCore
import NIOPosix

/// Runs tasks on the event loops of a NIO group, preferring the loop of the thread that enqueues them: a handler whose
/// request arrived on a loop starts, and resumes after each read, on that loop's thread, where its response is also
/// written. Without it every RPC crosses to Swift's cooperative pool and back to the loop, a thread wake-up each way.
/// Work that blocks (SQLite, files, plugins) still goes to `Blocking`, never onto a loop.
public final class EventLoopTaskExecutor: TaskExecutor {
    private let group: MultiThreadedEventLoopGroup

    public init(group: MultiThreadedEventLoopGroup) {
        self.group = group
    }

    /// Over NIO's singleton group, which grpc-swift's transports use unless told otherwise.
    public static let singleton = EventLoopTaskExecutor(group: .singleton)

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
