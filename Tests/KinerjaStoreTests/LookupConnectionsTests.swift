import Foundation
import GRDB
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
