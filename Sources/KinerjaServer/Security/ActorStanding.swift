import KinerjaStore
import Synchronization

/// Whether the employee a gateway acts for is an active employee, remembered until the employees table next changes
/// (`EmployeesGeneration`), so that a portal's calls do not each pay a database read for it.
final class ActorStanding: Sendable {
    enum Standing: Sendable { case active, inactive, unknown }
    private struct Cache {
        var generation = -1
        var entries: [String: Standing] = [:]
    }
    private let cache = Mutex(Cache())
    private let limit: Int

    init(limit: Int = 200_000) { self.limit = limit }

    func standing(of nip: String, store: Store) async throws -> Standing {
        // The generation is read before the database: a write committed after that point moves it, and the entry
        // made from this read is then never used.
        let generation = EmployeesGeneration.current
        if let hit = cache.withLock({ $0.generation == generation ? $0.entries[nip] : nil }) { return hit }
        let standing: Standing =
            switch try await store.read({ db in try OrganisationStore.isActive(db, nip: nip) }) {
            case true: .active
            case false: .inactive
            case nil: .unknown
            }
        cache.withLock { c in
            if c.generation != generation {
                guard generation > c.generation else { return }
                c = Cache(generation: generation, entries: [:])
            }
            if c.entries.count >= limit { c.entries.removeAll(keepingCapacity: true) }
            c.entries[nip] = standing
        }
        return standing
    }
}
