import Synchronization

/// A counter that moves after every committed write to the employees table (in this process, which owns the
/// database): a cache of anything read from that table is good while the counter has not moved since the read began.
package enum EmployeesGeneration {
    private static let counter = Atomic<Int>(0)

    package static var current: Int { counter.load(ordering: .acquiring) }
    static func bump() { counter.add(1, ordering: .releasing) }
}
