import Foundation
import GRPCCore
import Hummingbird
import Logging
import Mustache
import NIOCore

/// The portal: pages for staff, supervisors and the public, rendered on the server from `kinerjad`'s answers.
/// Every right is the daemon's to decide; the portal only carries the signed-in employee's NIP.
public struct Portal: Sendable {
    let options: PortalOptions
    let sessions: SessionStore
    let daemon: DaemonLink
    let renderer: Renderer
    let logger: Logger

    var cookieName: String { options.secureCookies ? "__Host-sesi" : "sesi" }

    /// Serves until cancelled (SIGTERM/SIGINT end it gracefully).
    public static func run(_ options: PortalOptions, logger: Logger) async throws {
        guard let directory = options.resourcesDirectory ?? Renderer.defaultDirectory() else {
            throw PortalOptionError("the portal's templates are missing: pass --resources DIR")
        }
        let renderer = try await Renderer.load(from: directory)
        let daemon = try DaemonLink.make(socket: options.daemonSocket)
        let portal = Portal(
            options: options, sessions: SessionStore(idle: options.idleTimeout, absolute: options.absoluteTimeout, limit: options.maxSessions),
            daemon: daemon, renderer: renderer, logger: logger)
        let address: BindAddress =
            switch options.listen {
            case .tcp(let host, let port): .hostname(host, port: port)
            case .unix(let path): .unixDomainSocket(path: path)
            }
        if case .unix(let path) = options.listen { unlink(path) }
        let app = Application(
            router: portal.router(), configuration: .init(address: address, serverName: nil),
            onServerRunning: { _ in
                logger.notice("kinerja-portal listening", metadata: ["listen": "\(options.listen)", "daemon": "\(options.daemonSocket)"])
            }, logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await daemon.client.runConnections() }
            group.addTask {
                defer { daemon.client.beginGracefulShutdown() }
                try await app.runService()
            }
        }
    }

    func router() -> Router<PortalContext> {
        let router = Router(context: PortalContext.self)
        router.add(middleware: PortalMiddleware(portal: self))
        router.get("/") { request, context in
            guard let s = session(request), s.user != nil else { return Response.redirect(to: "/masuk") }
            return Response.redirect(to: "/beranda")
        }
        router.get("/static/:name") { request, context in
            let name = context.parameters.get("name") ?? ""
            guard let file = renderer.staticFiles[name] else { throw HTTPError(.notFound) }
            return Response(
                status: .ok, headers: [.contentType: file.type, .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: file.body)))
        }
        addAuthPages(to: router)
        addOverviewPages(to: router)
        addRealisasiPages(to: router)
        addActivityPages(to: router)
        addSKPPages(to: router)
        addSKPEditorPages(to: router)
        addSupervisorPages(to: router)
        addPrintPages(to: router)
        addPublicPages(to: router)
        return router
    }

    // MARK: Sessions, CSRF, pages

    func session(_ request: Request) -> Session? {
        guard let id = request.cookies[cookieName]?.value else { return nil }
        return sessions.find(id)
    }

    func cookie(for session: Session) -> Cookie {
        Cookie(name: cookieName, value: session.id, path: "/", secure: options.secureCookies, httpOnly: true, sameSite: .lax)
    }

    /// The visitor's session, made when they have none (sign-in and public pages need one for their CSRF token).
    func visitorSession(_ request: Request) -> (Session, Cookie?) {
        if let s = session(request) { return (s, nil) }
        let s = sessions.create()
        return (s, cookie(for: s))
    }

    /// The signed-in session, or nil (the caller redirects to the sign-in page).
    func signedIn(_ request: Request) -> (Session, Session.User)? {
        guard let s = session(request), let user = s.user else { return nil }
        return (s, user)
    }

    /// A POST's form, when its CSRF token is the session's; otherwise 403.
    func checkedForm(_ request: Request, _ session: Session) async throws -> Form {
        let form = try await Form.read(request)
        guard Self.constantTimeEqual(form["_csrf"], session.csrf) else {
            throw HTTPError(.forbidden, message: renderer.text("error_csrf"))
        }
        return form
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count, !x.isEmpty else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// The client's address as the daemon's rate limits should see it: the peer, or when the peer is a trusted
    /// proxy (or the portal listens on a Unix socket, which only the proxy can reach) the last address it forwarded.
    func clientAddress(_ request: Request, _ context: PortalContext) -> String {
        let peer = context.remoteAddress?.ipAddress
        let trusted: Bool =
            switch options.listen {
            case .unix: true
            case .tcp: peer.map { options.trustedProxies.contains($0) } ?? false
            }
        if trusted, let forwarded = request.headers[.init("X-Forwarded-For")!],
            let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty, last.utf8.count <= 64
        {
            return last
        }
        return peer ?? ""
    }

    /// A whole page in the layout, for a signed-in employee (`user`) or a visitor.
    func page(
        _ template: String, title: String, session: Session?, data: [String: Any] = [:], status: HTTPResponse.Status = .ok, cookie: Cookie? = nil,
        active: String = ""
    ) -> Response {
        var context = Self.withoutEmptyText(data)
        context["title"] = title
        context["csrf"] = session?.csrf ?? ""
        if let user = session?.user {
            context["user"] = ["nip": user.nip, "name": user.name]
            context["nav"] = navigation(user, active: active)
            context["hasNav"] = true
        }
        if let session, let flash = sessions.takeFlash(session.id) {
            context["flash"] = ["ok": flash.ok, "text": flash.text]
        }
        context["body"] = renderer.render(template, context)
        var response = Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: renderer.render("layout", context)))
        )
        if let cookie { response.setCookie(cookie) }
        return response
    }

    /// The data with every empty string replaced by `NoText`, so that `{{#field}}` in a template means "field has
    /// text" (Mustache takes an empty string as true) while `{{field}}` still finds this row's own empty field rather
    /// than a parent's of the same name (which a missing key would fall back to). Empty strings in lists are dropped.
    static func withoutEmptyText(_ data: [String: Any]) -> [String: Any] {
        func clean(_ value: Any) -> Any? {
            switch value {
            case let s as String: return s.isEmpty ? NoText() : s
            case let d as [String: Any]: return withoutEmptyText(d)
            case let a as [[String: Any]]: return a.map(withoutEmptyText)
            case let a as [String]: return a.filter { !$0.isEmpty }
            case let a as [Any]: return a.compactMap(clean)
            default: return value
            }
        }
        return data.compactMapValues(clean)
    }

    func navigation(_ user: Session.User, active: String) -> [[String: Any]] {
        var items: [(String, String)] = [("/beranda", "nav_beranda"), ("/skp", "nav_skp"), ("/realisasi", "nav_realisasi"), ("/kegiatan", "nav_kegiatan")]
        if user.subordinates > 0 { items.append(("/bawahan", "nav_bawahan")) }
        items += [("/360", "nav_360"), ("/sandi", "nav_sandi")]
        return items.map { ["href": $0.0, "label": renderer.text($0.1), "active": $0.0 == active] }
    }

    /// Back to `location` with a message shown once there.
    func redirect(_ location: String, _ session: Session, ok: Bool, _ text: String) -> Response {
        sessions.update(session.id) { $0.flash = .init(ok: ok, text: text) }
        return Response.redirect(to: location, type: .normal)
    }

    /// What a refusal or failure of the daemon says to a person: a lead in Indonesian and the daemon's reason.
    func explain(_ error: any Error) -> String {
        guard let e = error as? RPCError else {
            logger.error("portal request failed", metadata: ["error": "\(error)"])
            return renderer.text("error_internal")
        }
        let lead: String =
            switch e.code {
            case .permissionDenied: renderer.text("error_denied")
            case .failedPrecondition: renderer.text("error_precondition")
            case .invalidArgument: renderer.text("error_invalid")
            case .notFound: renderer.text("error_not_found")
            case .resourceExhausted: renderer.text("error_too_many")
            case .unavailable: renderer.text("error_unavailable")
            case .unauthenticated: renderer.text("error_unauthenticated")
            default: renderer.text("error_internal")
            }
        if e.code == .unavailable || e.code == .internalError || e.code == .unknown || e.code == .deadlineExceeded {
            logger.error("kinerjad call failed", metadata: ["code": "\(e.code)", "message": "\(e.message)"])
            return lead
        }
        return "\(lead) \(e.message)"
    }

    /// An error page for a failed read (a refused page is 403, a missing one 404, the daemon away 503).
    func errorPage(_ error: any Error, session: Session?) -> Response {
        let status: HTTPResponse.Status =
            switch (error as? RPCError)?.code {
            case .permissionDenied: .forbidden
            case .notFound: .notFound
            case .invalidArgument: .badRequest
            case .unavailable: .serviceUnavailable
            case .failedPrecondition: .conflict
            default: .internalServerError
            }
        return page("error", title: renderer.text("error_title"), session: session, data: ["message": explain(error)], status: status)
    }
}

/// An empty text in a template's data: renders as nothing and counts as false in a section.
struct NoText: MustacheCustomRenderable {
    var renderText: String { "" }
    var isNull: Bool { true }
}

extension Request {
    /// The query parameter `name`, or "".
    func query(_ name: String) -> String { uri.queryParameters.get(name) ?? "" }
}
