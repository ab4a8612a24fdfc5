import Crypto
import Foundation
import Synchronization

/// Counts anonymous submissions in a sliding hour per key (a link token, a client address), in memory only: an address
/// is kept as its hash and forgotten when its hour is over.
final class SubmissionLimiter: Sendable {
    private let windows = Mutex<[String: [Date]]>([:])

    /// Records a submission for every key when each is under its limit, and returns true; otherwise records nothing
    /// and returns false.
    func admit(_ keys: [(key: String, limit: Int)], now: Date) -> Bool {
        windows.withLock { windows in
            let since = now.addingTimeInterval(-3600)
            if windows.count > 100_000 { windows = windows.filter { $0.value.last.map { $0 > since } ?? false } }
            for (key, limit) in keys {
                let recent = (windows[key] ?? []).filter { $0 > since }
                windows[key] = recent
                if recent.count >= limit { return false }
            }
            for (key, _) in keys { windows[key, default: []].append(now) }
            return true
        }
    }

    static func addressKey(_ address: String) -> String {
        "addr:" + SHA256.hash(data: Data(address.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}
