import Foundation
import Mustache

/// The Mustache templates and the portal's wording (`strings.id.json`: every Indonesian text in one file, passed to
/// every template as `t`). Templates use only `{{…}}`, which escapes HTML; user text never goes through `{{{…}}}`.
struct Renderer: Sendable {
    let library: MustacheLibrary
    let strings: [String: String]
    let staticFiles: [String: (type: String, body: String)]

    static func load(from directory: String) async throws -> Renderer {
        let library = try await MustacheLibrary(directory: directory + "/templates")
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/strings.id.json"))
        guard let strings = try JSONSerialization.jsonObject(with: data) as? [String: String] else {
            throw PortalOptionError("\(directory)/strings.id.json must be one JSON object of strings")
        }
        var files: [String: (String, String)] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory + "/static") {
            let type =
                name.hasSuffix(".css") ? "text/css; charset=utf-8" : name.hasSuffix(".js") ? "text/javascript; charset=utf-8" : "application/octet-stream"
            files[name] = (type, try String(contentsOfFile: directory + "/static/" + name, encoding: .utf8))
        }
        return Renderer(library: library, strings: strings, staticFiles: files)
    }

    /// The resources built into the program (next to it after `make install`, or in the build folder).
    static func defaultDirectory() -> String? {
        let bundle = Bundle.module.bundleURL
        return [bundle.appendingPathComponent("Resources"), bundle].map(\.path).first {
            FileManager.default.fileExists(atPath: $0 + "/strings.id.json")
        }
    }

    func render(_ template: String, _ data: [String: Any]) -> String {
        var context = data
        context["t"] = strings
        return library.render(context, withTemplate: template) ?? "template \(template) is missing"
    }

    func text(_ key: String) -> String { strings[key] ?? key }
}
