import Foundation
import KinerjaCore

/// `kinerja-portal.toml`: the portal's own settings file (top-level keys; the command line's flags win over it).
/// An unknown key, a wrong type or a value out of range is refused as `file:line: key: reason`.
///
///     listen = "127.0.0.1:8080"          # or "unix:/run/kinerja-portal/http.sock"
///     socket = "/run/kinerja/gateway.sock"
///     secure_cookies = true
///     trusted_proxies = ["127.0.0.1"]
///     idle_minutes = 30
///     absolute_hours = 12
///     resources = "/usr/local/share/kinerja/portal"
public enum PortalConfigFile {
    public static let systemPath = "/etc/kinerja/kinerja-portal.toml"

    /// `options` with the file's settings applied.
    public static func apply(_ path: String, to options: PortalOptions) throws -> PortalOptions {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw PortalOptionError("\(path): cannot be read (\(error.localizedDescription))")
        }
        return try apply(text: text, file: path, to: options)
    }

    static func apply(text: String, file: String, to options: PortalOptions) throws -> PortalOptions {
        let root: TOMLTable
        do { root = try TOMLParser.parse(text) } catch { throw PortalOptionError("\(file):\(error.line): \(error.message)") }
        var o = options
        func fail(_ key: String, _ value: TOMLValue, _ why: String) -> PortalOptionError { PortalOptionError("\(file):\(value.line): \(key): \(why)") }
        for key in root.keys {
            let value = root[key]!
            switch (key, value.kind) {
            case ("listen", .string(let s)):
                do { o.listen = try PortalOptions.Listen(parsing: s) } catch { throw fail(key, value, "\(error)") }
            case ("socket", .string(let s)) where s.hasPrefix("/"): o.daemonSocket = s
            case ("resources", .string(let s)) where s.hasPrefix("/"): o.resourcesDirectory = s
            case ("secure_cookies", .boolean(let b)): o.secureCookies = b
            case ("trusted_proxies", .array(let items)):
                var proxies = Set<String>()
                for item in items {
                    guard case .string(let s) = item.kind, !s.isEmpty else { throw fail(key, item, "every element must be an address such as \"127.0.0.1\"") }
                    proxies.insert(s)
                }
                o.trustedProxies = proxies
            case ("idle_minutes", .integer(let i)) where (1...1440).contains(i): o.idleTimeout = .seconds(i * 60)
            case ("absolute_hours", .integer(let i)) where (1...72).contains(i): o.absoluteTimeout = .seconds(i * 3600)
            case ("socket", _), ("resources", _): throw fail(key, value, "expected an absolute path")
            case ("secure_cookies", _): throw fail(key, value, "expected true or false")
            case ("trusted_proxies", _): throw fail(key, value, "expected an array of addresses")
            case ("idle_minutes", _): throw fail(key, value, "expected an integer from 1 to 1440")
            case ("absolute_hours", _): throw fail(key, value, "expected an integer from 1 to 72")
            case ("listen", _): throw fail(key, value, "expected \"HOST:PORT\" or \"unix:PATH\"")
            default:
                throw fail(
                    key, value,
                    "unknown setting (known: listen, socket, secure_cookies, trusted_proxies, idle_minutes, absolute_hours, resources)")
            }
        }
        return o
    }
}
