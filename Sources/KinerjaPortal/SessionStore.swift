import Foundation
import Synchronization

/// One visitor's session, kept on the server: the cookie holds only its random id. A visitor gets one before signing
/// in (it carries the CSRF token of the sign-in forms); signing in replaces it with a new one (no fixation).
struct Session: Sendable {
    let id: String
    let csrf: String
    let created: ContinuousClock.Instant
    var lastSeen: ContinuousClock.Instant
    /// The signed-in employee; nil before sign-in.
    var user: User?
    /// A message shown once on the next page (after a redirect).
    var flash: Flash?

    struct User: Sendable {
        var nip: String
        var name: String
        var subordinates: Int
        var headsUnits: [String]
    }

    struct Flash: Sendable {
        var ok: Bool
        var text: String
    }
}

/// The sessions, in memory (a restart signs everyone out). Idle and absolute timeouts are checked on every lookup;
/// at most `limit` sessions are kept, the least recently used dropped first.
final class SessionStore: Sendable {
    private let sessions = Mutex<[String: Session]>([:])
    let idle: Duration
    let absolute: Duration
    let limit: Int
    let now: @Sendable () -> ContinuousClock.Instant

    init(idle: Duration, absolute: Duration, limit: Int, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.idle = idle
        self.absolute = absolute
        self.limit = max(limit, 16)
        self.now = now
    }

    /// 128 random bits, URL-safe.
    static func randomToken() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    func create(user: Session.User? = nil) -> Session {
        let t = now()
        let s = Session(id: Self.randomToken(), csrf: Self.randomToken(), created: t, lastSeen: t, user: user)
        sessions.withLock { all in
            if all.count >= limit {
                all = all.filter { t - $0.value.lastSeen < idle && t - $0.value.created < absolute }
                if all.count >= limit, let oldest = all.min(by: { $0.value.lastSeen < $1.value.lastSeen }) { all[oldest.key] = nil }
            }
            all[s.id] = s
        }
        return s
    }

    /// The live session `id` names (touched), or nil when there is none or it timed out (then it is dropped).
    func find(_ id: String) -> Session? {
        let t = now()
        return sessions.withLock { all in
            guard var s = all[id] else { return nil }
            if t - s.lastSeen >= idle || t - s.created >= absolute {
                all[id] = nil
                return nil
            }
            s.lastSeen = t
            all[id] = s
            return s
        }
    }

    func update(_ id: String, _ change: (inout Session) -> Void) {
        sessions.withLock { all in
            if var s = all[id] {
                change(&s)
                all[id] = s
            }
        }
    }

    /// Takes the flash message, showing it once.
    func takeFlash(_ id: String) -> Session.Flash? {
        sessions.withLock { all in
            let f = all[id]?.flash
            all[id]?.flash = nil
            return f
        }
    }

    func destroy(_ id: String) { _ = sessions.withLock { $0.removeValue(forKey: id) } }

    /// Every session of `nip` ends (after a password change elsewhere, say).
    func destroyAll(of nip: String) { sessions.withLock { all in all = all.filter { $0.value.user?.nip != nip } } }

    var count: Int { sessions.withLock { $0.count } }
}
