import Foundation
import Testing

@Suite(.serialized) struct PeriodE2ETests {
    @Test func aPluginMayRefuseAPeriodLayout() async throws {
        let (daemon, _, _) = try await pluginDaemon("load = [\"testc\"]\n")
        #expect(try await daemon.ctl(["agency", "set", "--plugin", "testc"]).status == 0)
        let refused = try await daemon.ctl(["period", "create", "2026", "--periodic", "monthly"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refused by testc: testc runs annual appraisal only (got monthly)"), "\(refused.stderr)")
        #expect(try await daemon.ctl(["period", "list", "-o", "json"]).stdout.contains("2026") == false)
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "none"]).status == 0)
        #expect(await daemon.stop() == 0)
    }
}
