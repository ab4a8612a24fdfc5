import Testing

@testable import KinerjaCore

@Suite struct TOMLParserTests {
    @Test func readsScalarsTablesAndLines() throws {
        let doc = try TOMLParser.parse(
            """
            # comment
            name = "Dinas \\"Kinerja\\"" # trailing comment
            count = 1_000
            hex = 0xff
            ratio = 0.75
            on = true
            path = 'C:\\raw'

            [security]
            admin_users = ["root", "alice",
              "bob", # trailing comma allowed
            ]
            [plugins.config.aceh]
            inline = { a = 1, b.c = "x" }
            [[rules]]
            n = 1
            [[rules]]
            n = 2
            """)
        #expect(doc["name"]?.kind == .string("Dinas \"Kinerja\""))
        #expect(doc["name"]?.line == 2)
        #expect(doc["count"]?.kind == .integer(1000))
        #expect(doc["hex"]?.kind == .integer(255))
        #expect(doc["ratio"]?.kind == .float(0.75))
        #expect(doc["on"]?.kind == .boolean(true))
        #expect(doc["path"]?.kind == .string("C:\\raw"))
        guard case .table(let security)? = doc["security"]?.kind, case .array(let admins)? = security["admin_users"]?.kind else {
            Issue.record("security.admin_users missing")
            return
        }
        #expect(admins.map(\.kind) == [.string("root"), .string("alice"), .string("bob")])
        #expect(security["admin_users"]?.line == 10)
        guard case .table(let plugins)? = doc["plugins"]?.kind, case .table(let cfg)? = plugins["config"]?.kind,
            case .table(let aceh)? = cfg["aceh"]?.kind, case .table(let inline)? = aceh["inline"]?.kind,
            case .table(let b)? = inline["b"]?.kind
        else {
            Issue.record("nested tables missing")
            return
        }
        #expect(inline["a"]?.kind == .integer(1))
        #expect(b["c"]?.kind == .string("x"))
        guard case .array(let rules)? = doc["rules"]?.kind else {
            Issue.record("array of tables missing")
            return
        }
        #expect(rules.count == 2)
    }

    @Test func multilineStrings() throws {
        let doc = try TOMLParser.parse("a = \"\"\"\nline one\nline two\"\"\"\nb = '''\nraw \\n'''\nc = 1\n")
        #expect(doc["a"]?.kind == .string("line one\nline two"))
        #expect(doc["b"]?.kind == .string("raw \\n"))
        #expect(doc["c"]?.line == 6)
    }

    @Test(arguments: [
        ("a = 1\na = 2\n", 2, "defined twice"),
        ("a = \"open\n", 1, "unterminated"),
        ("[t]\nx = 1\n[t]\n", 3, "defined twice"),
        ("a = 1 b = 2\n", 1, "after a value"),
        ("a = hello\n", 1, "not a TOML value"),
        ("a = 2026-01-01\n", 1, "dates and times"),
        ("a = [1, 2\n", 2, "unterminated array"),
        ("\n\nkey\n", 3, "expected '='"),
        ("a = 012\n", 1, "not a TOML value"),
    ])
    func refusesWithLine(text: String, line: Int, fragment: String) {
        do {
            _ = try TOMLParser.parse(text)
            Issue.record("parsed: \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(fragment), "\(error)")
        }
    }
}
