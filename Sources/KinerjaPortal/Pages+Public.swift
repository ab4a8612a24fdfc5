import Foundation
import GRPCCore
import Hummingbird
import KinerjaAPI
import SwiftProtobuf

/// Umpan balik publik: the page a public link or QR code opens, without an account. Limits per link and per client
/// address are the daemon's; the portal passes the address it saw.
extension Portal {
    func addPublicPages(to router: Router<PortalContext>) {
        router.get("/publik/:token") { request, context in
            let token = context.parameters.get("token") ?? ""
            let (session, cookie) = visitorSession(request)
            do {
                let link = try await daemon.appraisal.getPublicLink(.with { $0.token = token }, options: DaemonLink.options)
                return page("publik", title: renderer.text("publik_title"), session: session, data: publicData(link, token: token), cookie: cookie)
            } catch {
                var response = errorPage(error, session: nil)
                if let cookie { response.setCookie(cookie) }
                return response
            }
        }
        router.post("/publik/:token") { request, context in
            let token = context.parameters.get("token") ?? ""
            guard let session = session(request) else { return expired() }
            let form = try await checkedForm(request, session)
            do {
                _ = try await daemon.appraisal.submitPublicFeedback(
                    .with {
                        $0.token = token
                        $0.rating = form["nilai"]
                        $0.comment = form["komentar"].trimmingCharacters(in: .whitespacesAndNewlines)
                        $0.clientAddress = clientAddress(request, context)
                    }, options: DaemonLink.options)
                return page("terima-kasih", title: renderer.text("publik_thanks_title"), session: session)
            } catch {
                let link = try? await daemon.appraisal.getPublicLink(.with { $0.token = token }, options: DaemonLink.options)
                guard let link else { return errorPage(error, session: nil) }
                var data = publicData(link, token: token)
                data["error"] = explain(error)
                data["comment"] = form["komentar"]
                let status: HTTPResponse.Status = (error as? RPCError)?.code == .resourceExhausted ? .tooManyRequests : .badRequest
                return page("publik", title: renderer.text("publik_title"), session: session, data: data, status: status)
            }
        }
    }

    func publicData(_ link: Kinerja_V1_PublicLink, token: String) -> [String: Any] {
        [
            "token": token, "name": link.name, "unit": link.unitName, "period": Display.period(link.periodID), "open": link.open,
            "ratings": ["di_atas", "sesuai", "di_bawah"].map { ["value": $0, "label": renderer.text("publik_\($0)")] },
        ]
    }
}
