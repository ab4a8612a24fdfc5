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
}
