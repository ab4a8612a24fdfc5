import Dispatch
import Foundation
import Synchronization

enum Parallel {
    /// Runs `body` on consecutive chunks of `0..<count` on all cores (four chunks per core, so that uneven chunks
    /// even out) and returns the results in chunk order; one chunk on this thread when `count` is below `minimum`.
    static func chunks<T: Sendable>(of count: Int, minimum: Int = 1, _ body: @Sendable (Range<Int>) -> T) -> [T] {
        guard count >= minimum, count > 1 else { return [body(0..<count)] }
        let chunks = min(count, 4 * max(1, ProcessInfo.processInfo.activeProcessorCount))
        let per = (count + chunks - 1) / chunks
        let results = Mutex<[T?]>(Array(repeating: nil, count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { k in
            let result = body(min(count, k * per)..<min(count, (k + 1) * per))
            results.withLock { $0[k] = result }
        }
        return results.withLock { $0.map { $0! } }
    }
}
