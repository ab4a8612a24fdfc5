import Foundation
import KinerjaCore

/// Reads an SKP import document:
/// ```json
/// {"period": "2026", "skp": [{"nip": "…", "rhk": [{"id": "R1", "kind": "utama", "text": "…", "intervensi": "R2",
///   "indicators": [{"id": "I1", "aspect": "kuantitas", "text": "…", "target": 12, "unit": "laporan",
///                   "direction": "higher_is_better"}]}],
///   "lampiran": {"dukungan_sumber_daya": ["…"], "skema_pertanggungjawaban": ["…"], "konsekuensi": ["…"]},
///   "perilaku": {"berorientasi_pelayanan": "…"}}]}
/// ```
/// Every problem is reported with its path (`skp[3] (NIP …).rhk[1].indicators[0].aspect`).
enum SKPDecoding {
    struct Decoded {
        var period: String?
        var items: [(path: String, skp: SKP)]
        /// How the document was read: `parallel` (the scanner on chunks of the skp array), `scanner` (the scanner on
        /// the whole document), or `loose` (JSONSerialization: the path that reports what is wrong).
        var decoder = "loose"
    }

    static func decode(_ data: Data, period fallback: PeriodID?) -> (Decoded?, [ItemError]) {
        guard !data.isEmpty else { return (nil, [ItemError("file", "the file is empty")]) }
        // Fast path: a scanner for exactly this shape (in parallel over the skp array when the file is big).
        // Anything it does not expect (bad syntax, a wrong type, an unknown key) goes the slow way, which reports
        // every problem with its path: in a big file only the elements concerned, otherwise the whole document.
        if let (document, how) = scan(data) {
            var (decoded, errors) = convert(document, period: fallback)
            decoded?.decoder = how
            return (decoded, errors)
        }
        return decodeLoosely(data, period: fallback)
    }

    /// The byte ranges of the elements of the root object's `skp` array, and the range of the array's contents;
    /// nil when the document does not have that shape (the caller then decodes it whole).
    static func skpElements(_ bytes: UnsafeRawBufferPointer) -> (contents: Range<Int>, elements: [Range<Int>])? {
        var depth = 0
        var inString = false
        var escaped = false
        var keyStart = -1
        var lastKey: ArraySlice<UInt8> = []
        var arrayStart = -1
        var elements: [Range<Int>] = []
        var elementStart = -1
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if inString {
                if escaped {
                    escaped = false
                } else if c == 0x5C {
                    escaped = true
                } else if c == 0x22 {
                    inString = false
                    if depth == 1 && arrayStart < 0 && keyStart >= 0 { lastKey = ArraySlice(bytes[keyStart..<i]) }
                }
                i += 1
                continue
            }
            switch c {
            case 0x22:  // "
                inString = true
                keyStart = i + 1
            case 0x7B, 0x5B:  // { [
                if depth == 1 && c == 0x5B && arrayStart < 0 && lastKey.elementsEqual("skp".utf8) { arrayStart = i + 1 }
                if depth == 2 && arrayStart >= 0 && elementStart < 0 && c == 0x7B { elementStart = i }
                depth += 1
            case 0x7D, 0x5D:  // } ]
                depth -= 1
                if depth == 2 && elementStart >= 0 && c == 0x7D {
                    elements.append(elementStart..<(i + 1))
                    elementStart = -1
                }
                if depth == 1 && arrayStart >= 0 && c == 0x5D {
                    return (arrayStart..<i, elements)
                }
            default: break
            }
            if c == 0x2C || c == 0x7B { if depth == 1 { lastKey = [] } }
            i += 1
        }
        return nil
    }

    /// The document read by `JSONCursor`, and how (`parallel` or `scanner`); nil when anything is unexpected.
    static func scan(_ data: Data) -> (Document, String)? {
        data.withUnsafeBytes { bytes -> (Document, String)? in
            if data.count > 1 << 20, let document = scanInParallel(bytes) { return (document, "parallel") }
            var cursor = JSONCursor(bytes, range: 0..<bytes.count)
            guard let document = try? root(&cursor, contents: nil) else { return nil }
            return (document, "scanner")
        }
    }

    /// Reads the `skp` elements in chunks on all cores, and the root around them.
    static func scanInParallel(_ bytes: UnsafeRawBufferPointer) -> Document? {
        guard let (contents, elements) = skpElements(bytes), !elements.isEmpty else { return nil }
        // Between the elements only blanks and one comma each; nothing before the first or after the last.
        func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
        var cursor = contents.lowerBound
        for (k, e) in elements.enumerated() {
            var commas = 0
            for j in cursor..<e.lowerBound {
                if bytes[j] == 0x2C { commas += 1 } else if !blank(bytes[j]) { return nil }
            }
            guard commas == (k == 0 ? 0 : 1) else { return nil }
            cursor = e.upperBound
        }
        for j in cursor..<contents.upperBound where !blank(bytes[j]) { return nil }
        var rootCursor = JSONCursor(bytes, range: 0..<bytes.count)
        guard var document = try? root(&rootCursor, contents: contents) else { return nil }
        nonisolated(unsafe) let shared = bytes
        let chunks = Parallel.chunks(of: elements.count) { chunk in
            elements[chunk].map { range -> Item in
                var c = JSONCursor(shared, range: range)
                if let read = try? item(&c), (try? c.finish()) != nil { return read }
                // `convert` reads this one the reporting way (on its own: the rest stay fast).
                return Item(unreadable: Data(UnsafeRawBufferPointer(rebasing: shared[range])))
            }
        }
        document.skp.reserveCapacity(elements.count)
        for chunk in chunks { document.skp += chunk }
        return document
    }

    struct Document {
        var period: String?
        var skp: [Item]
    }

    struct Item {
        var nip: String?
        var rhk: [RHKNode]?
        var lampiran: LampiranNode?
        var perilaku: [String: String]?
        /// The element's bytes, when the scanner could not read it.
        var unreadable: Data?
    }

    struct LampiranNode {
        var dukungan_sumber_daya: [String]?
        var skema_pertanggungjawaban: [String]?
        var konsekuensi: [String]?
    }

    struct RHKNode {
        var id: String?
        var kind: String?
        var text: String?
        var intervensi: String?
        var indicators: [IndicatorNode]?
    }

    struct IndicatorNode {
        var id: String?
        var aspect: String?
        var text: String?
        var target: Double?
        var unit: String?
        var target_text: String?
        var direction: String?
    }

    /// Sets `bit` in `seen`; a key given twice is unexpected.
    @inline(__always) static func once(_ seen: inout UInt8, _ bit: UInt8) throws {
        guard seen & bit == 0 else { throw JSONCursor.Unexpected() }
        seen |= bit
    }

    /// The root object. With `contents`, the skp array's elements are read elsewhere: the cursor skips them.
    static func root(_ c: inout JSONCursor, contents: Range<Int>?) throws -> Document {
        var document = Document(period: nil, skp: [])
        var seen: UInt8 = 0
        try c.object { c, key in
            if JSONCursor.key(key, is: "period") {
                try once(&seen, 1)
                document.period = try c.optionalString()
            } else if JSONCursor.key(key, is: "skp") {
                try once(&seen, 2)
                if let contents {
                    guard try c.peek() == 0x5B, c.position == contents.lowerBound - 1 else { throw JSONCursor.Unexpected() }
                    try c.jump(to: contents.upperBound)
                    try c.consume(0x5D)
                } else {
                    try c.array { document.skp.append(try item(&$0)) }
                }
            } else {
                throw JSONCursor.Unexpected()
            }
        }
        try c.finish()
        guard seen & 2 != 0 else { throw JSONCursor.Unexpected() }
        return document
    }

    static func item(_ c: inout JSONCursor) throws -> Item {
        var o = Item()
        var seen: UInt8 = 0
        try c.object { c, key in
            if JSONCursor.key(key, is: "nip") {
                try once(&seen, 1)
                o.nip = try c.optionalString()
            } else if JSONCursor.key(key, is: "rhk") {
                try once(&seen, 2)
                if try !c.null() {
                    var list: [RHKNode] = []
                    list.reserveCapacity(4)
                    try c.array { list.append(try rhk(&$0)) }
                    o.rhk = list
                }
            } else if JSONCursor.key(key, is: "lampiran") {
                try once(&seen, 4)
                if try !c.null() { o.lampiran = try lampiran(&c) }
            } else if JSONCursor.key(key, is: "perilaku") {
                try once(&seen, 8)
                if try !c.null() {
                    var map: [String: String] = [:]
                    try c.object { c, key in
                        guard let name = String(validating: key, as: UTF8.self), map.updateValue(try c.string(), forKey: name) == nil else {
                            throw JSONCursor.Unexpected()
                        }
                    }
                    o.perilaku = map
                }
            } else {
                throw JSONCursor.Unexpected()
            }
        }
        return o
    }

    static func rhk(_ c: inout JSONCursor) throws -> RHKNode {
        var r = RHKNode()
        var seen: UInt8 = 0
        try c.object { c, key in
            if JSONCursor.key(key, is: "id") {
                try once(&seen, 1)
                r.id = try c.optionalString()
            } else if JSONCursor.key(key, is: "kind") {
                try once(&seen, 2)
                r.kind = try c.optionalString()
            } else if JSONCursor.key(key, is: "text") {
                try once(&seen, 4)
                r.text = try c.optionalString()
            } else if JSONCursor.key(key, is: "intervensi") {
                try once(&seen, 8)
                r.intervensi = try c.optionalString()
            } else if JSONCursor.key(key, is: "indicators") {
                try once(&seen, 16)
                if try !c.null() {
                    var list: [IndicatorNode] = []
                    list.reserveCapacity(4)
                    try c.array { list.append(try indicator(&$0)) }
                    r.indicators = list
                }
            } else {
                throw JSONCursor.Unexpected()
            }
        }
        return r
    }

    static func indicator(_ c: inout JSONCursor) throws -> IndicatorNode {
        var d = IndicatorNode()
        var seen: UInt8 = 0
        try c.object { c, key in
            if JSONCursor.key(key, is: "id") {
                try once(&seen, 1)
                d.id = try c.optionalString()
            } else if JSONCursor.key(key, is: "aspect") {
                try once(&seen, 2)
                d.aspect = try c.optionalString()
            } else if JSONCursor.key(key, is: "text") {
                try once(&seen, 4)
                d.text = try c.optionalString()
            } else if JSONCursor.key(key, is: "target") {
                try once(&seen, 8)
                d.target = try c.optionalNumber()
            } else if JSONCursor.key(key, is: "unit") {
                try once(&seen, 16)
                d.unit = try c.optionalString()
            } else if JSONCursor.key(key, is: "target_text") {
                try once(&seen, 32)
                d.target_text = try c.optionalString()
            } else if JSONCursor.key(key, is: "direction") {
                try once(&seen, 64)
                d.direction = try c.optionalString()
            } else {
                throw JSONCursor.Unexpected()
            }
        }
        return d
    }

    /// Lampiran's three lists; other keys are ignored.
    static func lampiran(_ c: inout JSONCursor) throws -> LampiranNode {
        var l = LampiranNode()
        var seen: UInt8 = 0
        try c.object { c, key in
            if JSONCursor.key(key, is: "dukungan_sumber_daya") {
                try once(&seen, 1)
                l.dukungan_sumber_daya = try c.optionalStrings()
            } else if JSONCursor.key(key, is: "skema_pertanggungjawaban") {
                try once(&seen, 2)
                l.skema_pertanggungjawaban = try c.optionalStrings()
            } else if JSONCursor.key(key, is: "konsekuensi") {
                try once(&seen, 4)
                l.konsekuensi = try c.optionalStrings()
            } else {
                // Root, skp array, element and lampiran are open around this value.
                try c.skipValue(limit: JSONDepth.limit - 4)
            }
        }
        return l
    }

    /// The decoded document as SKPs, with the errors of values that are not allowed.
    static func convert(_ doc: Document, period fallback: PeriodID?) -> (Decoded?, [ItemError]) {
        var errors: [ItemError] = []
        var period = fallback
        if let text = doc.period {
            do { period = try PeriodID(text) } catch { errors.append(ItemError("period", error.message)) }
        }
        guard let period else {
            errors.append(ItemError("period", "name the annual period in the file (\"period\": \"2026\") or in the request's period"))
            return (nil, errors)
        }
        if let fallback, fallback != period { errors.append(ItemError("period", "the file says \(period) but the request says \(fallback)")) }
        // In chunks on all cores when the file is big; errors stay in file order.
        let results = Parallel.chunks(of: doc.skp.count, minimum: 20_000) { convert(doc.skp[$0], offset: $0.lowerBound, period: period) }
        var items: [(String, SKP)] = []
        items.reserveCapacity(doc.skp.count)
        for r in results {
            items += r.items
            errors += r.errors
        }
        return (Decoded(period: period.description, items: items), errors)
    }

    /// Converts `list` (which starts at `skp[offset]` in the document).
    static func convert(_ list: ArraySlice<Item>, offset: Int, period: PeriodID) -> (items: [(String, SKP)], errors: [ItemError]) {
        var errors: [ItemError] = []
        var items: [(String, SKP)] = []
        items.reserveCapacity(list.count)
        for (n, o) in list.enumerated() {
            let i = offset + n
            if let bytes = o.unreadable {
                if let deep = JSONDepth.check(bytes) {
                    errors.append(
                        ItemError("skp[\(i)]", "nested deeper than \(JSONDepth.limit) levels at \(deep.path.replacingOccurrences(of: "$", with: "skp[\(i)]"))"))
                    continue
                }
                do {
                    if let item = looseItem(try JSONSerialization.jsonObject(with: bytes), index: i, period: period, errors: &errors) { items.append(item) }
                } catch {
                    errors.append(ItemError("skp[\(i)]", "not valid JSON: \((error as NSError).userInfo["NSDebugDescription"] ?? error)"))
                }
                continue
            }
            let (path, nip) = itemPath(i, nip: o.nip, &errors)
            var rhks: [RHK] = []
            for (j, r) in (o.rhk ?? []).enumerated() {
                var p: String { "\(path).rhk[\(j)]" }
                guard let kind = kind(r.kind, p, &errors) else { continue }
                var indicators: [Indicator] = []
                for (k, d) in (r.indicators ?? []).enumerated() {
                    var q: String { "\(p).indicators[\(k)]" }
                    guard let aspect = aspect(d.aspect, q, &errors), let direction = direction(d.direction, q, &errors) else { continue }
                    indicators.append(
                        Indicator(
                            id: d.id ?? "", aspect: aspect, text: d.text ?? "", target: d.target, unit: d.unit ?? "", targetText: d.target_text ?? "",
                            direction: direction))
                }
                let intervensi = (r.intervensi?.isEmpty ?? true) ? nil : r.intervensi
                rhks.append(RHK(id: r.id ?? "", kind: kind, text: r.text ?? "", intervensi: intervensi, indicators: indicators))
            }
            var lampiran = Lampiran()
            lampiran.dukunganSumberDaya = o.lampiran?.dukungan_sumber_daya ?? []
            lampiran.skemaPertanggungjawaban = o.lampiran?.skema_pertanggungjawaban ?? []
            lampiran.konsekuensi = o.lampiran?.konsekuensi ?? []
            let perilaku = perilaku((o.perilaku ?? [:]).map { ($0.key, $0.value) }, path, &errors)
            items.append((path, SKP(nip: nip, period: period, rhk: rhks, lampiran: lampiran, perilaku: perilaku)))
        }
        return (items, errors)
    }

    /// The slow path: JSONSerialization, every problem reported with its path.
    static func decodeLoosely(_ data: Data, period fallback: PeriodID?) -> (Decoded?, [ItemError]) {
        if let deep = JSONDepth.check(data) { return (nil, [ItemError("file", deep.description)]) }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            let place = JSONDepth.place(of: data).map { "; \($0)" } ?? ""
            return (nil, [ItemError("file", "not valid JSON: \((error as NSError).userInfo["NSDebugDescription"] ?? error)\(place)")])
        }
        guard let root = object as? [String: Any] else { return (nil, [ItemError("file", "the document must be an object with \"skp\": [...]")]) }
        var errors: [ItemError] = []
        for key in root.keys where key != "period" && key != "skp" {
            errors.append(ItemError(key, "unknown key; the document has \"period\" and \"skp\""))
        }
        let periodText = root["period"] as? String
        var period = fallback
        if let periodText {
            do { period = try PeriodID(periodText) } catch { errors.append(ItemError("period", error.message)) }
        }
        guard let period else {
            errors.append(ItemError("period", "name the annual period in the file (\"period\": \"2026\") or in the request's period"))
            return (nil, errors)
        }
        if let fallback, fallback != period {
            errors.append(ItemError("period", "the file says \(period) but the request says \(fallback)"))
        }
        guard let list = root["skp"] as? [Any] else {
            errors.append(ItemError("skp", "expected an array of SKPs"))
            return (nil, errors)
        }
        var items: [(String, SKP)] = []
        items.reserveCapacity(list.count)
        for (i, raw) in list.enumerated() {
            if let item = looseItem(raw, index: i, period: period, errors: &errors) { items.append(item) }
        }
        return (Decoded(period: period.description, items: items), errors)
    }

    /// One element of the `skp` array as JSONSerialization read it (`skp[index]`), every problem reported.
    static func looseItem(_ raw: Any, index i: Int, period: PeriodID, errors: inout [ItemError]) -> (String, SKP)? {
        guard let o = raw as? [String: Any] else {
            errors.append(ItemError("skp[\(i)]", "expected an object"))
            return nil
        }
        let (path, nip) = itemPath(i, nip: o["nip"] as? String, &errors)
        for key in o.keys where !["nip", "rhk", "lampiran", "perilaku"].contains(key) {
            errors.append(ItemError("\(path).\(key)", "unknown key; an SKP has nip, rhk, lampiran, perilaku"))
        }
        var rhks: [RHK] = []
        for (j, rawRHK) in ((o["rhk"] as? [Any]) ?? []).enumerated() {
            var p: String { "\(path).rhk[\(j)]" }
            guard let r = rawRHK as? [String: Any] else {
                errors.append(ItemError(p, "expected an object"))
                continue
            }
            for key in r.keys where !["id", "kind", "text", "intervensi", "indicators"].contains(key) {
                errors.append(ItemError("\(p).\(key)", "unknown key; an RHK has id, kind, text, intervensi, indicators"))
            }
            guard let kind = kind(r["kind"] as? String, p, &errors) else { continue }
            var indicators: [Indicator] = []
            for (k, rawInd) in ((r["indicators"] as? [Any]) ?? []).enumerated() {
                var q: String { "\(p).indicators[\(k)]" }
                guard let d = rawInd as? [String: Any] else {
                    errors.append(ItemError(q, "expected an object"))
                    continue
                }
                for key in d.keys where !["id", "aspect", "text", "target", "unit", "target_text", "direction"].contains(key) {
                    errors.append(ItemError("\(q).\(key)", "unknown key; an indicator has id, aspect, text, target, unit, target_text, direction"))
                }
                guard let aspect = aspect(d["aspect"] as? String, q, &errors), let direction = direction(d["direction"] as? String, q, &errors) else {
                    continue
                }
                var target: Double?
                if let t = d["target"] {
                    if let n = t as? NSNumber, String(describing: type(of: t)) != "__NSCFBoolean" {
                        target = n.doubleValue
                    } else if t is NSNull {
                        target = nil
                    } else {
                        errors.append(ItemError(q + ".target", "target must be a number (use target_text for a qualitative target)"))
                        continue
                    }
                }
                indicators.append(
                    Indicator(
                        id: (d["id"] as? String) ?? "", aspect: aspect, text: (d["text"] as? String) ?? "", target: target,
                        unit: (d["unit"] as? String) ?? "", targetText: (d["target_text"] as? String) ?? "", direction: direction))
            }
            let intervensi = (r["intervensi"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            rhks.append(RHK(id: (r["id"] as? String) ?? "", kind: kind, text: (r["text"] as? String) ?? "", intervensi: intervensi, indicators: indicators))
        }
        var lampiran = Lampiran()
        if let l = o["lampiran"] as? [String: Any] {
            lampiran.dukunganSumberDaya = (l["dukungan_sumber_daya"] as? [String]) ?? []
            lampiran.skemaPertanggungjawaban = (l["skema_pertanggungjawaban"] as? [String]) ?? []
            lampiran.konsekuensi = (l["konsekuensi"] as? [String]) ?? []
        }
        let perilaku = perilaku(((o["perilaku"] as? [String: Any]) ?? [:]).map { ($0.key, $0.value as? String ?? "") }, path, &errors)
        return (path, SKP(nip: nip, period: period, rhk: rhks, lampiran: lampiran, perilaku: perilaku))
    }

    // MARK: values, checked alike on both paths

    /// `skp[i] (NIP)`, and the NIP trimmed; a missing NIP is an error.
    static func itemPath(_ i: Int, nip raw: String?, _ errors: inout [ItemError]) -> (path: String, nip: String) {
        let nip = raw?.trimmedBlanks ?? ""
        if nip.isEmpty {
            errors.append(ItemError("skp[\(i)].nip", "NIP is missing"))
            return ("skp[\(i)]", nip)
        }
        return ("skp[\(i)] (\(nip))", nip)
    }

    static func kind(_ text: String?, _ path: @autoclosure () -> String, _ errors: inout [ItemError]) -> RHKKind? {
        let text = text ?? "utama"
        if let kind = RHKKind(rawValue: text.asciiLowercased) { return kind }
        errors.append(ItemError(path() + ".kind", "'\(Quote.short(text))' is not utama or tambahan"))
        return nil
    }

    static func aspect(_ text: String?, _ path: @autoclosure () -> String, _ errors: inout [ItemError]) -> IndicatorAspect? {
        let text = text ?? ""
        if let aspect = IndicatorAspect(rawValue: text.asciiLowercased) { return aspect }
        errors.append(ItemError(path() + ".aspect", "'\(Quote.short(text))' is not kuantitas, kualitas, waktu or biaya"))
        return nil
    }

    static func direction(_ text: String?, _ path: @autoclosure () -> String, _ errors: inout [ItemError]) -> Direction? {
        let text = text ?? "higher_is_better"
        if let direction = Direction(matching: text) { return direction }
        errors.append(ItemError(path() + ".direction", "'\(Quote.short(text))' is not higher_is_better or lower_is_better"))
        return nil
    }

    /// Expected behaviour by BerAKHLAK value; other keys are errors.
    static func perilaku(_ pairs: [(String, String)], _ path: String, _ errors: inout [ItemError]) -> [BerAKHLAK: String] {
        var out: [BerAKHLAK: String] = [:]
        for (key, text) in pairs {
            guard let value = BerAKHLAK(matching: key) else {
                errors.append(ItemError("\(path).perilaku.\(key)", "not a BerAKHLAK value (\(BerAKHLAK.allCases.map(\.rawValue).joined(separator: ", ")))"))
                continue
            }
            out[value] = text
        }
        return out
    }
}
