import GRPCCore
import KinerjaCore
import KinerjaStore
import Testing

@testable import KinerjaServer

/// Every error type a service may let escape knows its gRPC status.
@Suite struct ErrorConversionTests {
    @Test func coreAndStoreRefusalsCarryTheirOwnStatus() throws {
        var transition: SKPTransitionRefusal?
        do throws(SKPTransitionRefusal) { _ = try SKPStatus.approved.after(.submit) } catch { transition = error }
        let refusal = try #require(transition)
        let cases: [(any RPCErrorConvertible, RPCError.Code)] = [
            (ValidationError("golongan 'X' is not a PNS rank"), .invalidArgument),
            (RealisasiRules.Refusal("value", "give a value"), .invalidArgument),
            (refusal, .failedPrecondition),
            (StoreError.noSuchPeriod(try PeriodID("2031")), .notFound),
            (StoreError.invalid("x"), .invalidArgument),
            (StoreError.failedPrecondition("x"), .failedPrecondition),
        ]
        for (error, code) in cases {
            let rpc = RPCError(error)
            #expect(rpc.code == code, "\(error)")
            #expect(!rpc.message.isEmpty)
        }
        #expect(RPCError(refusal).message == "the SKP is approved; submit needs draft or returned")
    }
}
