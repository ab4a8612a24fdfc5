import GRDB
import Synchronization

/// The read-only connections of `Store.lookup`: each serves one lookup at a time, on the calling thread, in a read
/// transaction begun and ended by statements prepared once (`Store.snapshot`).
///
/// GRDB's `DatabasePool.read` costs a short read more than the read itself: it takes a reader from its pool, hops onto
/// the reader's queue, re-parses BEGIN and COMMIT and checks the schema version (60 µs of a GetEmployee's 190 µs read, timed in the daemon);
/// its `unsafeRead`, without the transaction, checks the schema version outside one, which takes and releases SQLite's
/// WAL read lock once more (two `fcntl` calls). A connection of its own per lookup has neither: one lock, one
/// transaction. The schema cannot change while the store is open (migrations run before the first read; a restore
/// replaces the file only while no daemon holds it), and SQLite re-prepares a statement if it ever did.
///
/// At most `limit` connections are made, when first needed; a lookup that finds them all busy reads through the pool.
final class LookupConnections: Sendable {
    static let limit = 4

    private let path: String
    private let configuration: Configuration
    private let state = Mutex<(idle: [DatabaseQueue], made: Int, closed: Bool)>(([], 0, false))

    init(path: String, configuration: Configuration) {
        self.path = path
        var configuration = configuration
        configuration.readonly = true
        configuration.label = (configuration.label ?? "kinerja") + ".lookup"
        self.configuration = configuration
    }

    /// `body` on an idle connection (made if fewer than `limit` exist), or nil when none is to be had.
    func read<T>(_ body: (Database) throws -> T) throws -> T? {
        guard let connection = checkOut() else { return nil }
        defer { checkIn(connection) }
        return try connection.inDatabase { db in try Store.snapshot(db, body) }
    }

    private func checkOut() -> DatabaseQueue? {
        enum Next {
            case use(DatabaseQueue)
            case make
            case none
        }
        let next: Next = state.withLock {
            if $0.closed { return .none }
            if let idle = $0.idle.popLast() { return .use(idle) }
            guard $0.made < Self.limit else { return .none }
            $0.made += 1
            return .make
        }
        switch next {
        case .use(let connection): return connection
        case .none: return nil
        case .make:
            do {
                return try DatabaseQueue(path: path, configuration: configuration)
            } catch {
                // The pool still reads; the slot is freed for a later try.
                state.withLock { $0.made -= 1 }
                return nil
            }
        }
    }

    private func checkIn(_ connection: DatabaseQueue) {
        let keep = state.withLock {
            guard !$0.closed else { return false }
            $0.idle.append(connection)
            return true
        }
        if !keep { try? connection.close() }
    }

    /// Closes the idle connections; one in use is closed when its lookup ends. Later lookups read through the pool.
    func close() {
        let idle = state.withLock { s in
            s.closed = true
            defer { s.idle = [] }
            return s.idle
        }
        for connection in idle { try? connection.close() }
    }

    /// Connections made so far (for tests).
    var count: Int { state.withLock { $0.made } }
}
