import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KinerjaAPI
import KinerjaFixtures
import SwiftProtobuf
import Testing

/// Every gateway right granted and refused, through a real `kinerjad` on its gateway socket with its clock started
/// on 5 April 2026 (March's batas pengisian is 10 April, February's 10 March): own against another's record, direct
/// against skip-level supervisor, a passed and an extended deadline, public links limited and revoked, and a
/// deactivated employee.
@Suite struct GatewayRightsE2ETests {
    struct Portal {
        let client: GRPCClient<HTTP2ClientTransport.Posix>
        var skp: Kinerja_V1_SKPService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
        var org: Kinerja_V1_OrgService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
        var appraisal: Kinerja_V1_AppraisalService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }

        static func acting(_ nip: String?) -> Metadata {
            var m = Metadata()
            if let nip { m.addString(nip, forKey: "kinerja-actor-nip") }
            return m
        }

        func put(_ nip: String, period: String, value: String, as actor: String) async throws -> Kinerja_V1_RealisasiEntry {
            try await skp.putRealisasi(
                .with {
                    $0.key = .with {
                        $0.nip = nip
                        $0.periodID = period
                        $0.rhkID = "R1"
                        $0.indicatorID = "I1"
                    }
                    $0.value = value
                }, metadata: Self.acting(actor))
        }

        func list(_ nip: String, as actor: String) async throws -> Kinerja_V1_ListRealisasiResponse {
            try await skp.listRealisasi(
                .with {
                    $0.nip = nip
                    $0.periodID = "2026-03"
                }, metadata: Self.acting(actor))
        }

        func submit(_ token: String, from address: String) async throws -> Kinerja_V1_PublicFeedbackResponse {
            try await appraisal.submitPublicFeedback(
                .with {
                    $0.token = token
                    $0.rating = "di_atas"
                    $0.comment = "Pelayanan ramah"
                    $0.clientAddress = address
                }, metadata: Self.acting(nil))
        }
    }

    @Test func eachRightIsGrantedAndEachRefusedOnTheGatewaySocket() async throws {
        let dir = try shortTemporaryDirectory("kgr")
        let gateway = dir + "/gateway.sock"
        try "gateway_socket = \"\(gateway)\"\n".write(toFile: dir + "/kinerjad.toml", atomically: true, encoding: .utf8)
        let daemon = try Daemon(extraArguments: ["--config", dir + "/kinerjad.toml"], environment: ["KINERJA_CLOCK_START": "2026-04-05T09:00:00+07:00"])
        try await daemon.waitReady()
        try ThreePersonAgency.unitsCSV.write(toFile: dir + "/units.csv", atomically: true, encoding: .utf8)
        try ThreePersonAgency.employeesCSV.write(toFile: dir + "/employees.csv", atomically: true, encoding: .utf8)
        try ThreePersonAgency.skpDocument(period: "2026").write(toFile: dir + "/skp.json", atomically: true, encoding: .utf8)
        for command in [
            ["unit", "import", dir + "/units.csv"], ["employee", "import", dir + "/employees.csv"],
            ["period", "create", "2026", "--periodic", "monthly"], ["period", "advance", "2026"],
            ["skp", "import", dir + "/skp.json", "--submit"], ["skp", "approve", "--all", "--period", "2026"],
            ["period", "advance", "2026", "--force", "--reason", "uji"],
            ["period", "advance", "2026-02", "--force", "--reason", "uji"], ["period", "advance", "2026-02", "--force", "--reason", "uji"],
            ["period", "advance", "2026-03", "--force", "--reason", "uji"], ["period", "advance", "2026-03", "--force", "--reason", "uji"],
        ] {
            let r = try await daemon.ctl(command)
            #expect(r.status == 0, "\(command): \(r.stderr)")
        }
        let (siti, budi, rina) = (ThreePersonAgency.kepala, ThreePersonAgency.budi, ThreePersonAgency.rina)
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: gateway), transportSecurity: .plaintext)
        try await withGRPCClient(transport: transport) { client in
            let portal = Portal(client: client)
            // One's own record, not another's, not even a subordinate's.
            #expect(try await portal.put(budi, period: "2026-03", value: "3", as: budi).value == 3)
            #expect(await status { try await portal.put(budi, period: "2026-03", value: "4", as: rina) } == .permissionDenied)
            #expect(await status { try await portal.put(rina, period: "2026-03", value: "4", as: budi) } == .permissionDenied)
            // The direct supervisor reads; the head above them does not; a subordinate does not read their supervisor's.
            #expect(try await portal.list(budi, as: siti).realisasi.count == 1)
            #expect(try await portal.list(rina, as: budi).realisasi.isEmpty)
            #expect(await status { try await portal.list(rina, as: siti) } == .permissionDenied)
            #expect(await status { try await portal.list(budi, as: rina) } == .permissionDenied)
            #expect(await status { try await portal.org.getOverview(.with { $0.nip = rina }, metadata: Portal.acting(siti)) } == .permissionDenied)
            #expect(try await portal.org.getOverview(.with { $0.nip = rina }, metadata: Portal.acting(budi)).employee.nip == rina)
            #expect(
                try await portal.org.listSubordinates(.with { $0.supervisorNip = siti }, metadata: Portal.acting(siti)).subordinates.map(\.employee.nip) == [
                    budi
                ])
            // Nobody acts without naming whom, and nobody acts for a stranger; operator calls are refused on this socket.
            #expect(await status { try await portal.list(budi, as: "199999999999999999") } == .permissionDenied)
            #expect(await status { try await portal.skp.listRealisasi(.with { $0.nip = budi }, metadata: [:]) } != nil)
            #expect(await status { try await portal.org.getEmployee(.with { $0.nip = budi }, metadata: Portal.acting(siti)) } == .permissionDenied)

            // February's batas pengisian (10 March) has passed: refused naming it, until an admin extends it for Budi alone.
            do {
                _ = try await portal.put(budi, period: "2026-02", value: "2", as: budi)
                Issue.record("a write after the deadline was taken")
            } catch let error as RPCError {
                #expect(error.code == .failedPrecondition && error.message.contains("2026-03-10"), "\(error.message)")
            }
            let extended = try await daemon.ctl(["period", "extend", "2026-02", "--nip", budi, "--until", "2026-04-30", "--reason", "sakit"])
            #expect(extended.status == 0, "\(extended.stderr)")
            #expect(try await portal.put(budi, period: "2026-02", value: "2", as: budi).value == 2)
            #expect(await status { try await portal.put(rina, period: "2026-02", value: "2", as: rina) } != nil)

            // A public link: five submissions an hour from one address, others still heard; revoked, nothing is taken.
            let link = try jsonObject(
                try await daemon.ctl([
                    "feedback", "public-link", budi, "--period", "2026-03", "--portal-url", "https://kinerja.example.go.id/", "--qr", dir + "/qr.svg",
                    "-o", "json",
                ]).stdout)
            let token = try #require(link["token"] as? String)
            #expect(link["url"] as? String == "https://kinerja.example.go.id/publik/\(token)")
            // The QR code for a counter or poster scans, read by an independent decoder (ZXing).
            let decoded = try await runProcess(repositoryRoot + "/.build-venv/bin/python", [repositoryRoot + "/scripts/decode_qr.py", dir + "/qr.svg"])
            #expect(decoded.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "https://kinerja.example.go.id/publik/\(token)", "\(decoded.stderr)")
            let shown = try await portal.appraisal.getPublicLink(.with { $0.token = token }, metadata: Portal.acting(nil))
            #expect(shown.name == "Budi Santoso" && shown.open && shown.nip.isEmpty == false)
            for _ in 0..<5 { _ = try await portal.submit(token, from: "198.51.100.7") }
            #expect(await status { try await portal.submit(token, from: "198.51.100.7") } == .resourceExhausted)
            _ = try await portal.submit(token, from: "198.51.100.8")
            #expect(await status { try await portal.submit(token + "X", from: "198.51.100.9") } == .notFound)
            #expect(try await daemon.ctl(["feedback", "public-link", budi, "--period", "2026-03", "--revoke"]).status == 0)
            #expect(await status { try await portal.submit(token, from: "198.51.100.9") } == .failedPrecondition)
            let feedback = try await daemon.ctl(["feedback", "list", "--period", "2026-03", "--nip", budi, "-o", "json"])
            #expect(feedback.stdout.components(separatedBy: "\"masyarakat\"").count - 1 >= 6, "\(feedback.stdout)")

            // Rina leaves: her gateway calls are refused from then on, and she is no longer among Budi's subordinates.
            let leaving = ThreePersonAgency.employeesCSV.replacingOccurrences(of: ",\(budi),,,true", with: ",\(budi),,,false")
            try leaving.write(toFile: dir + "/employees-2.csv", atomically: true, encoding: .utf8)
            #expect(try await daemon.ctl(["employee", "import", dir + "/employees-2.csv"]).status == 0)
            do {
                _ = try await portal.skp.listActivities(.with { $0.nip = rina }, metadata: Portal.acting(rina))
                Issue.record("a deactivated employee still acted")
            } catch let error as RPCError {
                #expect(error.code == .permissionDenied && error.message.contains("deactivated"), "\(error.message)")
            }
            #expect(try await portal.org.listSubordinates(.with { $0.supervisorNip = budi }, metadata: Portal.acting(budi)).subordinates.isEmpty)
        }
        let audit = try await daemon.ctl(["audit", "list", "--rpc", "ListRealisasi", "--limit", "20"])
        #expect(audit.stdout.contains("denied") || audit.stdout.contains("PERMISSION"), "refusals are audited: \(audit.stdout)")
        #expect(await daemon.stop() == 0)
    }
}
