import Foundation
import KinerjaAPI
import Logging
import SwiftProtobuf
import Testing

@testable import KinerjaPortal

@Suite struct RenderingTests {
    static func renderer() async throws -> Renderer {
        try await Renderer.load(from: try #require(Renderer.defaultDirectory()))
    }

    @Test func sectionsSeeBooleansOfNestedRowsAndEmptyTextIsFalse() async throws {
        let r = try await Self.renderer()
        let data = Portal.withoutEmptyText([
            "rhk": [
                [
                    "id": "R1",
                    "indicators": [
                        ["id": "I1", "filled": true, "note": "", "rhk": "R1", "numeric": true, "editable": true], ["id": "I2", "filled": false, "note": "x"],
                    ] as [[String: Any]],
                ]
            ]
        ])
        let rhk = try #require(data["rhk"] as? [[String: Any]])
        let indicators = try #require(rhk[0]["indicators"] as? [[String: Any]])
        #expect(indicators[0]["filled"] as? Bool == true)
        #expect(indicators[0]["note"] is NoText)
        let html = r.render("realisasi", data.merging(["editable": true, "hasSKP": true]) { a, _ in a })
        #expect(html.contains("tag ok"))
    }
}

extension RenderingTests {
    static func portal() async throws -> Portal {
        Portal(
            options: PortalOptions(), sessions: SessionStore(idle: .seconds(60), absolute: .seconds(600), limit: 100),
            daemon: try DaemonLink.make(socket: "/nonexistent/gateway.sock"), renderer: try await renderer(), logger: Logger(label: "test"))
    }

    @Test func aFiledIndicatorShowsAsFiledWithItsValueAndNoEchoedText() async throws {
        let portal = try await Self.portal()
        let list = Kinerja_V1_ListRealisasiResponse.with {
            $0.nip = "198503152010011001"
            $0.periodID = "2026-03"
            $0.openForFiling = true
            $0.skp = .with {
                $0.rhk = [
                    .with {
                        $0.id = "R1"
                        $0.indicators = [
                            .with {
                                $0.id = "I1"
                                $0.hasTarget_p = true
                                $0.target = 12
                            },
                            .with { $0.id = "I2" },
                        ]
                    }
                ]
            }
            $0.realisasi = [
                .with {
                    $0.key = .with {
                        $0.rhkID = "R1"
                        $0.indicatorID = "I1"
                    }
                    $0.hasValue_p = true
                    $0.value = 3
                    $0.text = "3"
                }
            ]
        }
        let data = Portal.withoutEmptyText(portal.realisasiData(list, editable: true))
        let rows = try #require((data["rhk"] as? [[String: Any]])?.first?["indicators"] as? [[String: Any]])
        #expect(rows.map { $0["filled"] as? Bool } == [true, false])
        #expect(rows[0]["value"] as? String == "3")
        #expect(rows[0]["text2"] is NoText, "the value written as text is not echoed as the uraian")
        let html = portal.renderer.render("realisasi", data)
        let i1 = try #require(html.range(of: "ind-R1-I1")).upperBound
        #expect(html[i1...].prefix(400).contains("tag ok"))
    }
}
