import Foundation
import Testing

@Suite(.serialized) struct PeriodE2ETests {
    @Test func aPluginMayRefuseAPeriodLayout() throws {
        let (daemon, _, _) = try pluginDaemon("load = [\"testc\"]\n")
        #expect(try daemon.ctl(["agency", "set", "--plugin", "testc"]).status == 0)
        let refused = try daemon.ctl(["period", "create", "2026", "--periodic", "monthly"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refused by testc: testc runs annual appraisal only (got monthly)"), "\(refused.stderr)")
        #expect(try daemon.ctl(["period", "list", "-o", "json"]).stdout.contains("2026") == false)
        #expect(try daemon.ctl(["period", "create", "2026", "--periodic", "none"]).status == 0)
        #expect(daemon.stop() == 0)
    }
}
