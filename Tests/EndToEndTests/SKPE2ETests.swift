import Foundation
import KinerjaFixtures
import Testing

/// Siti (head, JPT) supervises Budi, who supervises Rina.
func skpDocument(period: String = "2025", budiIntervensi: String = "K1", rinaIntervensi: String = "R1", only: [String]? = nil) -> String {
    ThreePersonAgency.skpDocument(period: period, budiIntervensi: budiIntervensi, rinaIntervensi: rinaIntervensi, only: only)
}

func write(_ text: String, _ dir: String, _ name: String) throws -> String {
    let path = dir + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite(.serialized, .enabled(if: isRoot, "switching uid with setpriv needs root"))
struct SKPGatewayTests {
    @Test func gatewayActsWithTheEmployeesRights() async throws {
        let daemon = try await openDaemon(config: "[security]\ngateway_users = [\"65533\"]\n")
        let (_, dir) = try organisedDaemonFiles()
        chmod(dir, 0o755)
        #expect(try await daemon.ctl(["unit", "import", dir + "/units.csv"]).status == 0)
        #expect(try await daemon.ctl(["employee", "import", dir + "/employees.csv"]).status == 0)
        #expect(try await daemon.ctl(["period", "create", "2025"]).status == 0)
        func asGateway(_ nip: String, _ args: [String]) async throws -> ProcessResult {
            try await daemon.ctl(args + ["--actor-nip", nip], asUser: 65533)
        }
        let kepalaFile = try write(skpDocument(only: [kepala]), dir, "k.json")
        let budiFile = try write(skpDocument(only: [budi]), dir, "b.json")
        chmod(kepalaFile, 0o644)
        chmod(budiFile, 0o644)
        // Budi may not file Siti's SKP; Siti files her own; Budi his own.
        let foreign = try await asGateway(budi, ["skp", "import", kepalaFile])
        #expect(foreign.status == 1)
        #expect(foreign.stderr.contains("\(budi) may not import the SKP of \(kepala)"), "\(foreign.stderr)")
        #expect(try await asGateway(kepala, ["skp", "import", kepalaFile, "--submit"]).status == 0)
        #expect(try await asGateway(budi, ["skp", "import", budiFile, "--submit"]).status == 0)
        // Nobody approves their own SKP; the direct supervisor does.
        let own = try await asGateway(budi, ["skp", "approve", budi, "--period", "2025"])
        #expect(own.status == 1 && own.stderr.contains("PERMISSION_DENIED"))
        #expect(own.stderr.contains("only \(budi)'s direct supervisor (\(kepala)) or a PLT/PLH standing in may"))
        let byRina = try await asGateway(rina, ["skp", "approve", budi, "--period", "2025"])
        #expect(byRina.stderr.contains("PERMISSION_DENIED"))
        #expect(try await asGateway(kepala, ["skp", "approve", budi, "--period", "2025"]).status == 0)
        // Reading: own, direct subordinates', and the direct supervisor's (to choose an intervensi); not skip-level.
        #expect(try await asGateway(budi, ["skp", "show", budi, "--period", "2025"]).status == 0)
        #expect(try await asGateway(kepala, ["skp", "show", budi, "--period", "2025"]).status == 0)
        #expect(try await asGateway(rina, ["skp", "show", budi, "--period", "2025"]).status == 0)
        #expect(try await asGateway(rina, ["skp", "show", kepala, "--period", "2025"]).stderr.contains("PERMISSION_DENIED"))
        // A gateway without an actor is refused; the operator list stays closed to it.
        #expect(try await daemon.ctl(["skp", "show", budi, "--period", "2025"], asUser: 65533).stderr.contains("must name the employee"))
        #expect(try await asGateway(kepala, ["skp", "list", "--period", "2025"]).stderr.contains("needs the operator role"))
        // Activities: own rows only.
        try await openPeriods(daemon, year: "2025")
        let act = try write("nip,date,description,minutes\n\(kepala),2025-03-10,Rapat,60\n", dir, "act.csv")
        chmod(act, 0o644)
        let wrongActor = try await asGateway(budi, ["activity", "import", act])
        #expect(wrongActor.stderr.contains("may not log activities for \(kepala)"))
        #expect(try await asGateway(kepala, ["activity", "import", act]).status == 0)
        #expect(await daemon.stop() == 0)
    }
}
