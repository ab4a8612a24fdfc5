import Foundation
import GRDB
import KinerjaCore
import KinerjaFixtures
import Synchronization
import Testing

@testable import KinerjaStore

/// `Store.lookup` on disk reads on connections of its own (`LookupConnections`): each lookup one snapshot, each commit
/// seen by the next lookup, never more than `limit` connections, the pool when they are all busy, nothing after close.
@Suite struct LookupConnectionsTests {
    private static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM meta") ?? -1
    }

    private static func insert(_ store: Store, _ key: String) throws {
        try store.writeNow { db in try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, 'x')", arguments: [key]) }
    }

    @Test func eachLookupSeesTheCommitsBeforeItOnOneConnection() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/k.db")
        let start = try await store.lookup(Self.count)
        for i in 1...5 {
            try Self.insert(store, "k\(i)")
            #expect(try await store.lookup(Self.count) == start + i)
        }
        // Sequential lookups reuse one connection, and it is read-only.
        #expect(store.lookupConnections?.count == 1)
        await #expect(throws: DatabaseError.self) {
            try await store.lookup { db in try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('no', 'x')") }
        }
        #expect(try await store.lookup(Self.count) == start + 5)
        try store.close()
    }

    @Test func aLookupReadsOneSnapshotWhileOthersCommit() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/k.db")
        let (before, after) = try await store.lookup { db in
            let before = try Self.count(db)
            try Self.insert(store, "during")  // committed by the writer while this read is open
            return (before, try Self.count(db))
        }
        #expect(before == after, "a lookup saw a commit made after it began")
        #expect(try await store.lookup(Self.count) == before + 1)
        // A lookup that throws ends its transaction: the next one sees new commits.
        struct Stop: Error {}
        await #expect(throws: Stop.self) {
            try await store.lookup { db in
                _ = try Self.count(db)
                throw Stop()
            }
        }
        try Self.insert(store, "after-throw")
        #expect(try await store.lookup(Self.count) == before + 2)
        try store.close()
    }

    @Test func busyConnectionsAreBoundedAndTheRestReadThroughThePool() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/k.db")
        try Self.insert(store, "one")
        let expected = try await store.lookup(Self.count)
        let connections = try #require(store.lookupConnections)
        // Three times as many readers as connections, at once, on threads of their own.
        let threads = LookupConnections.limit * 3
        let results = Mutex<[Int?]>([])
        let done = DispatchGroup()
        for _ in 0..<threads {
            done.enter()
            Thread.detachNewThread {
                let r = try? connections.read { db in
                    usleep(50_000)
                    return try Self.count(db)
                }
                results.withLock { $0.append(r) }
                done.leave()
            }
        }
        done.wait()
        let read = results.withLock { $0 }
        #expect(read.count == threads)
        #expect(read.compactMap { $0 }.allSatisfy { $0 == expected })
        #expect(read.contains(nil), "every reader got a connection of its own")
        #expect(connections.count == LookupConnections.limit)
        // Through `lookup`, a reader that finds them all busy reads through the pool: every one gets its answer.
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<threads {
                group.addTask { try await store.lookup(Self.count) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts == Array(repeating: expected, count: threads))
        try store.close()
        #expect(try connections.read(Self.count) == nil, "a closed store's lookup connections still read")
    }

    @Test func inMemoryStoresReadThroughTheirQueue() async throws {
        let store = try Store.inMemory()
        #expect(store.lookupConnections == nil)
        #expect(try await store.lookup(Self.count) >= 1)
    }
}

/// The reads GetEmployee makes through SQLite's C API return what the GRDB reads they replaced return.
@Suite struct ByKeyReadTests {
    @Test func anEmployeesAssignmentsChangesAndUnitsReadAsThroughGRDB() throws {
        let store = try Store.inMemory()
        let sample = SampleAgency(unitCount: 4, employeeCount: 40)
        let head = try #require(sample.units.first?.headNIP)
        let other = try #require(sample.employees.last?.nip)
        let day = { (d: Int) in CivilDate(year: 2026, month: 3, day: d)! }
        try store.writeNow { db in
            try OrganisationStore.upsertUnits(db, sample.units)
            try OrganisationStore.upsertEmployees(db, sample.employees)
            for (i, u) in sample.units.prefix(3).enumerated() {
                _ = try StructureStore.addAssignment(
                    db,
                    ActingAssignment(
                        unitCode: u.code, nip: head, kind: i == 1 ? .plt : .plh, from: day(1 + i), to: day(10 + i), reason: "cuti \(i)", createdBy: "admin"),
                    now: Date())
            }
            _ = try StructureStore.addAssignment(
                db, ActingAssignment(unitCode: sample.units[1].code, nip: other, kind: .plh, from: day(1), to: day(2)), now: Date())
            try StructureStore.endAssignment(db, id: 1, on: day(5), by: "admin", now: Date())
            let before = try #require(try OrganisationStore.employee(db, nip: head))
            var moved = EmployeeChange(before: before, on: day(7))
            moved.supervisorNIP = nil
            try StructureStore.recordChanges(db, [EmployeeChange(before: before, on: day(3)), moved], now: Date())
        }
        try store.readNow { db in
            for nip in [head, other, sample.employees[5].nip] {
                #expect(try StructureStore.assignments(db, of: nip) == StructureStore.assignments(db, nip: nip))
                let viaGRDB = try Row.fetchAll(db, sql: "SELECT * FROM employee_history WHERE nip = ? ORDER BY changed_on", arguments: [nip])
                    .compactMap(StructureStore.change)
                #expect(try StructureStore.changes(db, nip: nip) == viaGRDB)
                let headed = try String.fetchAll(db, sql: "SELECT code FROM units WHERE head_nip = ? ORDER BY code", arguments: [nip])
                #expect(try OrganisationStore.unitsHeaded(db, by: nip) == headed)
            }
            #expect(try StructureStore.assignments(db, of: head).count == 3)
            #expect(try StructureStore.changes(db, nip: head).map(\.supervisorNIP).last == .some(nil))
            for u in sample.units {
                let viaGRDB = try Row.fetchOne(db, sql: "SELECT code, name, parent_code, head_nip FROM units WHERE code = ?", arguments: [u.code])
                #expect(try OrganisationStore.unit(db, code: u.code) == viaGRDB.map { OrgUnit(code: $0[0], name: $0[1], parentCode: $0[2], headNIP: $0[3]) })
            }
            #expect(try OrganisationStore.unit(db, code: "NOPE") == nil)
        }
    }
}
