import Foundation
import GRPCCore
import Hummingbird
import KinerjaAPI
import SwiftProtobuf

/// Masuk (sign in), Aktivasi (a code → the first password), Ganti sandi, Keluar.
extension Portal {
    func addAuthPages(to router: Router<PortalContext>) {
        router.get("/masuk") { request, _ in
            let (session, cookie) = visitorSession(request)
            if session.user != nil { return Response.redirect(to: "/beranda") }
            return page("masuk", title: renderer.text("masuk_title"), session: session, cookie: cookie)
        }
        router.post("/masuk") { request, context in
            guard let session = session(request) else { return expired() }
            let form = try await checkedForm(request, session)
            let nip = form["nip"].trimmingCharacters(in: .whitespaces)
            do {
                let login = try await daemon.accounts.login(
                    .with {
                        $0.nip = nip
                        $0.password = form["password"]
                        $0.clientAddress = clientAddress(request, context)
                    }, options: DaemonLink.options)
                return signIn(login, replacing: session)
            } catch let error as RPCError where error.code == .unauthenticated {
                return page(
                    "masuk", title: renderer.text("masuk_title"), session: session, data: ["error": renderer.text("masuk_wrong"), "nip": nip],
                    status: .unauthorized)
            } catch {
                // Locked (with until when), disabled, deactivated: the daemon's words say what to do.
                return page(
                    "masuk", title: renderer.text("masuk_title"), session: session, data: ["error": explainLogin(error), "nip": nip], status: .forbidden)
            }
        }
        router.get("/aktivasi") { request, _ in
            let (session, cookie) = visitorSession(request)
            return page("aktivasi", title: renderer.text("aktivasi_title"), session: session, data: ["nip": request.query("nip")], cookie: cookie)
        }
        router.post("/aktivasi") { request, context in
            guard let session = session(request) else { return expired() }
            let form = try await checkedForm(request, session)
            let nip = form["nip"].trimmingCharacters(in: .whitespaces)
            guard form["password"] == form["password2"] else {
                return page(
                    "aktivasi", title: renderer.text("aktivasi_title"), session: session, data: ["error": renderer.text("sandi_mismatch"), "nip": nip],
                    status: .badRequest)
            }
            do {
                let login = try await daemon.accounts.activate(
                    .with {
                        $0.nip = nip
                        $0.code = form["code"].trimmingCharacters(in: .whitespaces).uppercased()
                        $0.newPassword = form["password"]
                        $0.clientAddress = clientAddress(request, context)
                    }, options: DaemonLink.options)
                return signIn(login, replacing: session)
            } catch {
                return page(
                    "aktivasi", title: renderer.text("aktivasi_title"), session: session, data: ["error": explain(error), "nip": nip], status: .badRequest)
            }
        }
        router.get("/sandi") { request, _ in
            guard let (session, _) = signedIn(request) else { return Response.redirect(to: "/masuk") }
            return page("sandi", title: renderer.text("sandi_title"), session: session, active: "/sandi")
        }
        router.post("/sandi") { request, _ in
            guard let (session, user) = signedIn(request) else { return expired() }
            let form = try await checkedForm(request, session)
            guard form["password"] == form["password2"] else {
                return page(
                    "sandi", title: renderer.text("sandi_title"), session: session, data: ["error": renderer.text("sandi_mismatch")], status: .badRequest,
                    active: "/sandi")
            }
            do {
                _ = try await daemon.accounts.changePassword(
                    .with {
                        $0.currentPassword = form["current"]
                        $0.newPassword = form["password"]
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                return redirect("/beranda", session, ok: true, renderer.text("sandi_changed"))
            } catch {
                return page(
                    "sandi", title: renderer.text("sandi_title"), session: session, data: ["error": explain(error)], status: .badRequest, active: "/sandi")
            }
        }
        router.post("/keluar") { request, _ in
            if let session = session(request) {
                _ = try await checkedForm(request, session)
                sessions.destroy(session.id)
            }
            var response = Response.redirect(to: "/masuk")
            response.setCookie(Cookie(name: cookieName, value: "", maxAge: 0, path: "/", secure: options.secureCookies, httpOnly: true, sameSite: .lax))
            return response
        }
    }

    /// A new session for the employee (the visitor's one ends: no fixation), and on to Beranda.
    func signIn(_ login: Kinerja_V1_LoginResponse, replacing old: Session) -> Response {
        sessions.destroy(old.id)
        let s = sessions.create(
            user: .init(nip: login.nip, name: login.name, subordinates: Int(login.roles.directSubordinates), headsUnits: login.roles.unitHeadOf))
        var response = Response.redirect(to: "/beranda")
        response.setCookie(cookie(for: s))
        return response
    }

    /// A form posted without a live session (it timed out, or the cookie was never set): sign in again.
    func expired() -> Response {
        page("error", title: renderer.text("error_title"), session: nil, data: ["message": renderer.text("error_session"), "signin": true], status: .forbidden)
    }

    func explainLogin(_ error: any Error) -> String {
        guard let e = error as? RPCError, e.code == .failedPrecondition else { return explain(error) }
        if e.message.contains("locked") { return "\(renderer.text("masuk_locked")) (\(e.message))" }
        return "\(renderer.text("masuk_refused")) (\(e.message))"
    }
}
