import Foundation
import GRPCCore
import GRPCInProcessTransport
import Testing

@testable import KinerjaServer

/// The authorisation table is the single source of who may call what: every RPC the daemon serves has a rule there,
/// and every rule names an RPC it serves.
@Suite struct MethodPolicyTests {
    @Test func everyServedRPCHasARuleAndEveryRuleAnRPC() throws {
        let daemon = try InProcessDaemon()
        var router = RPCRouter<InProcessTransport.Server>()
        for service in RPCServices.all(state: daemon.state) { service.registerMethods(with: &router) }
        let served = Set(router.methods.map(\.fullyQualifiedMethod))
        #expect(served.count >= 70)
        let ruled = Set(MethodPolicy.leastRole.keys)
        #expect(served.subtracting(ruled).sorted() == [], "RPCs without a rule (they would need admin)")
        #expect(ruled.subtracting(served).sorted() == [], "rules for RPCs nobody serves")
        // The account RPCs a portal uses on behalf of a person are open to gateways; issuing codes is the admin's.
        #expect(MethodPolicy.leastRole["kinerja.v1.AccountService/Login"] == .gateway)
        #expect(MethodPolicy.leastRole["kinerja.v1.AccountService/InviteAccount"] == .admin)
    }

    /// The least role each RPC's comment in `proto/` names and the README's table shows is the one `MethodPolicy`
    /// enforces: the documentation cannot drift from the rule.
    @Test func theProtoCommentsAndTheREADMETableSayWhatThePolicyEnforces() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var documented: [String: String] = [:]
        let files = try ["proto/kinerja/v1", "proto/grpc"].flatMap { dir -> [URL] in
            let base = root.appendingPathComponent(dir)
            return try FileManager.default.subpathsOfDirectory(atPath: base.path).filter { $0.hasSuffix(".proto") }.map { base.appendingPathComponent($0) }
        }
        for file in files {
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            let package = lines.first { $0.hasPrefix("package ") }.map { $0.dropFirst(8).trimmingCharacters(in: CharacterSet(charactersIn: "; ")) } ?? ""
            var service = ""
            var comment: [Substring] = []
            for line in lines {
                let t = line.trimmingCharacters(in: .whitespaces)
                if t.hasPrefix("service ") { service = String(t.split(separator: " ")[1]) }
                if t.hasPrefix("//") {
                    comment.append(t.dropFirst(2).drop { $0 == " " })
                    continue
                }
                if t.hasPrefix("rpc "), let name = t.dropFirst(4).split(separator: "(").first {
                    let text = comment.joined(separator: " ")
                    let role = text.range(of: "Least role: ").map { text[$0.upperBound...].prefix { $0.isLetter } } ?? "none"
                    documented["\(package).\(service)/\(name)"] = String(role)
                }
                comment = []
            }
        }
        let enforced = Dictionary(uniqueKeysWithValues: MethodPolicy.leastRole.map { ($0.key, $0.value.description) })
        #expect(documented.filter { enforced[$0.key] != $0.value }.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" } == [])
        #expect(Set(documented.keys) == Set(enforced.keys))
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        var tabled: [String: String] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, cells[0].hasPrefix("`"), cells[0].contains("Service.") || cells[0].hasPrefix("`grpc.") else { continue }
            let name = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            if name.hasPrefix("grpc."), let dot = name.lastIndex(of: ".") {
                tabled[name.replacingCharacters(in: dot...dot, with: "/")] = cells[1]
            } else {
                tabled["kinerja.v1." + name.replacingOccurrences(of: ".", with: "/")] = cells[1]
            }
        }
        #expect(tabled.filter { enforced[$0.key] != $0.value }.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" } == [])
        #expect(Set(tabled.keys) == Set(enforced.keys))
    }
}
