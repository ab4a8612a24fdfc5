import Foundation
import GRDB
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KinerjaAPI
import SwiftProtobuf
import Testing

/// Raw bytes as a gRPC message: lets the fuzzer send anything at all to a method.
struct RawBytes: MessageSerializer, MessageDeserializer {
    typealias Message = [UInt8]
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}

/// A seeded generator, so that a failing run can be repeated (the seed is printed).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Mutated import files and malformed requests against a real daemon: it stays up, the database stays sound, and a
/// rejected file changes nothing.
@Suite(.serialized) struct FuzzTests {
    /// The tables each group of imports writes: groups run side by side, each checking only its own tables.
    static let groups: [(kinds: Set<String>, tables: [String])] = [
        (["units", "employees"], ["units", "employees"]),
        (["skp", "realisasi", "activities"], ["skp", "rhk", "indicators", "realisasi", "activities"]),
        (["ratings", "feedback", "attendance", "base"], ["ratings", "feedback360", "attendance", "tpp_base"]),
    ]

    static func counts(_ db: DatabaseQueue, _ tables: [String]) throws -> [Int] {
        try db.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT " + tables.map { "(SELECT count(*) FROM \($0))" }.joined(separator: ", "))!
            return (0..<tables.count).map { row[$0] }
        }
    }

    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        var b = bytes
        let specials: [[UInt8]] = [
            Array("1e33".utf8), Array("NaN".utf8), Array("\"".utf8), Array(",".utf8), Array("\n".utf8), [0xFF], [0x00],
            Array("[[[[[[[[".utf8), Array("}".utf8), Array(String(repeating: "9", count: 300).utf8), Array("-1".utf8),
            Array("9223372036854775808".utf8), Array("\u{202E}".utf8), [0xEF, 0xBB, 0xBF],
        ]
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            guard !b.isEmpty else {
                b = specials.randomElement(using: &rng)!
                continue
            }
            let at = Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0...5, using: &rng) {
            case 0: b[at] = UInt8.random(in: 0...255, using: &rng)
            case 1: b.insert(contentsOf: specials.randomElement(using: &rng)!, at: at)
            case 2: b.removeSubrange(at..<min(b.count, at + Int.random(in: 1...20, using: &rng)))
            case 3: b = Array(b[..<at])
            case 4: b.insert(b[at], at: at)
            default: b[at] = [0x2C, 0x3B, 0x22, 0x0A, 0x30, 0x2E, 0x5B, 0x7B].randomElement(using: &rng)!
            }
        }
        return b
    }

    @Test func mutatedFilesAndMalformedRequestsChangeNothingAndCrashNothing() async throws {
        let (daemon, dir) = try await organisedDaemon()
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "monthly"]).status == 0)
        try await openPeriods(daemon, year: "2026", ["2026-03"], to: "running")
        let imported = try await daemon.ctl(["skp", "import", try write(skpDocument(period: "2026"), dir, "skp.json"), "--submit"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try await daemon.ctl(["skp", "approve", "--all", "--period", "2026"]).status == 0)
        let db = try DatabaseQueue(
            path: daemon.stateDir + "/kinerja.db",
            configuration: {
                var c = Configuration()
                c.readonly = true
                return c
            }())
        let seed = UInt64.random(in: 0...UInt64.max)
        print("fuzz seed \(seed)")
        var rng = SplitMix(state: seed)

        let units = try String(contentsOfFile: dir + "/units.csv", encoding: .utf8)
        let employees = try String(contentsOfFile: dir + "/employees.csv", encoding: .utf8)
        let realisasi = "nip,period,rhk_id,indicator_id,value,text,evidence,note\n\(budi),2026-03,R1,I1,3,,https://x/a.pdf,\n"
        let activities = "nip,date,description,rhk_id,minutes,evidence\n\(budi),2026-03-03,Menyusun laporan,R1,120,\n"
        let ratings = "nip,hasil_kerja,perilaku_kerja,notes\n\(budi),sesuai,di_atas,baik\n"
        let feedback = "nip,source,rating,rater,comment\n\(budi),rekan,sesuai,r1,ok\n"
        let attendance = "nip,tl1,tl2,tk,sanction_percent\n\(budi),1,0,0,0\n"
        let base = "kelas_jabatan,base_rupiah\n7,5.000.000\n"
        let skp = skpDocument(period: "2026")

        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: daemon.socket), transportSecurity: .plaintext)
        var files = 0
        var requests = 0
        var rejected = 0
        let start = Date()
        try await withGRPCClient(transport: transport) { client in
            let org = Kinerja_V1_OrgService.Client(wrapping: client)
            let skpService = Kinerja_V1_SKPService.Client(wrapping: client)
            let appraisal = Kinerja_V1_AppraisalService.Client(wrapping: client)
            let tpp = Kinerja_V1_TPPService.Client(wrapping: client)
            typealias Send = @Sendable (Data) async throws -> Kinerja_V1_ImportReport
            let kinds: [(String, String, Send)] = [
                ("units", units, { try await org.importUnits(.with2($0)) }),
                ("employees", employees, { try await org.importEmployees(.with2($0)) }),
                (
                    "skp", skp,
                    { d in
                        try await skpService.importSKP(
                            .with {
                                $0.content = d
                                $0.fileName = "f.json"
                            })
                    }
                ),
                ("realisasi", realisasi, { try await skpService.importRealisasi(.with2($0)) }),
                ("activities", activities, { try await skpService.importActivities(.with2($0)) }),
                (
                    "ratings", ratings,
                    { d in
                        try await appraisal.importRatings(
                            .with {
                                $0.content = d
                                $0.periodID = "2026-03"
                            })
                    }
                ),
                (
                    "feedback", feedback,
                    { d in
                        try await appraisal.importFeedback(
                            .with {
                                $0.content = d
                                $0.periodID = "2026-03"
                            })
                    }
                ),
                (
                    "attendance", attendance,
                    { d in
                        try await tpp.importAttendance(
                            .with {
                                $0.content = d
                                $0.month = "2026-03"
                            })
                    }
                ),
                ("base", base, { try await tpp.importBase(.with2($0)) }),
            ]
            // 1. Mutated import files: a rejected one leaves every table as it was. Three groups of imports with disjoint
            //    tables run side by side; the audit trail grows only with accepted files.
            let auditBefore = try Self.counts(db, ["audit_log"])[0]
            let outcomes = try await withThrowingTaskGroup(of: (files: Int, refused: Int).self) { group in
                for (g, spec) in Self.groups.enumerated() {
                    let mine = kinds.filter { spec.kinds.contains($0.0) }
                    let groupSeed = seed &+ UInt64(g + 1) &* 0x9E37_79B9
                    group.addTask {
                        var rng = SplitMix(state: groupSeed)
                        var files = 0
                        var refusedCount = 0
                        var before = try Self.counts(db, spec.tables)
                        for n in 0..<(2_000 / Self.groups.count + 1) {
                            let (name, text, send) = mine[n % mine.count]
                            let bytes = Self.mutate(Array(text.utf8), &rng)
                            var refused = false
                            do {
                                let report = try await send(Data(bytes))
                                refused = !report.errors.isEmpty || report.errorCount > 0
                            } catch let error as RPCError {
                                refused = true
                                #expect(error.code != .unknown && error.code != .internalError, "\(name): \(error)")
                                #expect(error.message.utf8.count <= 4_100)
                            }
                            files += 1
                            let after = try Self.counts(db, spec.tables)
                            if refused {
                                refusedCount += 1
                                #expect(
                                    after == before,
                                    "\(name) file \(n) was refused but changed \(spec.tables) \(before) → \(after): \(String(decoding: bytes.prefix(300), as: UTF8.self))"
                                )
                            }
                            before = after
                        }
                        return (files, refusedCount)
                    }
                }
                return try await group.reduce(into: (files: 0, refused: 0)) {
                    $0.files += $1.files
                    $0.refused += $1.refused
                }
            }
            files = outcomes.files
            rejected = outcomes.refused
            #expect(try Self.counts(db, ["audit_log"])[0] - auditBefore <= files - rejected)
            // 2. Malformed requests: random bytes, and valid requests with bytes mutated, to every method.
            let skip: Set<String> = ["Backup", "Reload", "CallHook", "RetryOutbox", "Fire", "ApproveAllSKP", "ReopenPeriod", "AdvancePeriod", "UpdateAgency"]
            let methods =
                (Kinerja_V1_AdminService.Method.descriptors + Kinerja_V1_OrgService.Method.descriptors + Kinerja_V1_PeriodService.Method.descriptors
                + Kinerja_V1_SKPService.Method.descriptors + Kinerja_V1_AppraisalService.Method.descriptors + Kinerja_V1_TPPService.Method.descriptors
                + Kinerja_V1_ReminderService.Method.descriptors + Kinerja_V1_PluginService.Method.descriptors).filter { !skip.contains($0.method) }
            let seeds: [[UInt8]] = try [
                Kinerja_V1_GetEmployeeRequest.with { $0.nip = budi }.serializedBytes(),
                Kinerja_V1_SetRatingRequest.with {
                    $0.nip = budi
                    $0.periodID = "2026-03"
                    $0.hasilKerja = "sesuai"
                    $0.perilakuKerja = "sesuai"
                    $0.aspects = ["akuntabel": "di_atas"]
                }.serializedBytes(),
                Kinerja_V1_SetOverrideRequest.with {
                    $0.nip = budi
                    $0.baseText = "4.500.000"
                    $0.reason = "x"
                }.serializedBytes(),
                Kinerja_V1_ListAuditRequest.with { $0.limit = 5 }.serializedBytes(),
                Kinerja_V1_CurveRequest.with {
                    $0.periodID = "2026-03"
                    $0.unitCode = "SEKR"
                }.serializedBytes(),
                Kinerja_V1_ListActivitiesRequest.with {
                    $0.nip = budi
                    $0.from = "2026-03-01"
                    $0.to = "2026-03-31"
                }.serializedBytes(),
            ]
            print("fuzz: files took \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
            // Eight callers at once: the daemon must stay sound under concurrent garbage too.
            var plans: [[(MethodDescriptor, [UInt8])]] = Array(repeating: [], count: 8)
            for n in 0..<2_000 {
                let bytes: [UInt8] =
                    n % 2 == 0
                    ? (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    : Self.mutate(seeds.randomElement(using: &rng)!, &rng)
                plans[n % 8].append((methods[n % methods.count], bytes))
            }
            let sent = try await withThrowingTaskGroup(of: Int.self) { group in
                for plan in plans {
                    group.addTask {
                        for (method, bytes) in plan {
                            do {
                                _ = try await client.unary(
                                    request: ClientRequest(message: bytes), descriptor: method, serializer: RawBytes(), deserializer: RawBytes(),
                                    options: .defaults
                                ) { try $0.message }
                            } catch let error as RPCError {
                                #expect(error.code != .unknown, "\(method.method): \(error)")
                                #expect(error.message.utf8.count <= 4_100)
                            }
                        }
                        return plan.count
                    }
                }
                return try await group.reduce(0, +)
            }
            requests += sent
        }
        let seconds = Date().timeIntervalSince(start)
        print("fuzz: \(files) files (\(rejected) refused) and \(requests) malformed requests in \(String(format: "%.1f", seconds)) s")
        #expect(files >= 2_000 && requests >= 2_000)
        #expect(try await daemon.ctl(["status"]).status == 0)
        let integrity = try await db.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
        #expect(integrity == "ok")
        #expect(await daemon.stop() == 0)
    }
}

extension Kinerja_V1_ImportRequest {
    static func with2(_ content: Data) -> Self {
        .with {
            $0.content = content
            $0.fileName = "fuzz.csv"
        }
    }
}
