import Hummingbird

/// The headers every answer carries: a Content-Security-Policy without inline scripts or styles, no framing, no
/// MIME sniffing, no referrer outside the portal; pages are never cached (so a page left after signing out is
/// asked for again, and answered with the sign-in page). HTTP errors (a form without its CSRF token, a body over
/// 1 MiB, an unknown page) become pages in the layout.
struct PortalMiddleware: RouterMiddleware {
    typealias Context = PortalContext
    let portal: Portal

    static var policy: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            let message = error.body ?? portal.renderer.text(error.status == .notFound ? "error_no_page" : "error_internal")
            response = portal.page(
                "error", title: portal.renderer.text("error_title"), session: portal.session(request), data: ["message": message], status: error.status)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.contentSecurityPolicy] = Self.policy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Cross-Origin-Opener-Policy")!] = "same-origin"
        if !request.uri.path.hasPrefix("/static/") { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
