import Foundation
import KinerjaCore
import Synchronization

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
        /// How the document was read: `parallel` (chunks of the skp array), `whole`, or `loose` (the reporting path).
        var decoder = "whole"
    }

    static func decode(_ data: Data, period fallback: PeriodID?) -> (Decoded?, [ItemError]) {
        guard !data.isEmpty else { return (nil, [ItemError("file", "the file is empty")]) }
        // Fast path: JSONDecoder (about 3× faster than JSONSerialization here) with strict keys. Anything it
        // cannot take (a wrong type, an unknown key) goes the slow way, which reports every problem.
        if let document = decodeInParallel(data) {
            var (decoded, errors) = convert(document, period: fallback)
            decoded?.decoder = "parallel"
            return (decoded, errors)
        }
        if let document = try? JSONDecoder().decode(Document.self, from: data) {
            return convert(document, period: fallback)
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
                if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 {
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
            case 0x3A:  // : (a key was just read)
                break
            default: break
            }
            if c == 0x2C || c == 0x7B { if depth == 1 { lastKey = [] } }
            i += 1
        }
        return nil
    }

    /// Decodes the `skp` elements in chunks on all cores; nil when anything is off (the whole-document decoders
    /// then run and report precisely).
    static func decodeInParallel(_ data: Data) -> Document? {
        guard data.count > 1 << 20 else { return nil }
        return data.withUnsafeBytes { bytes -> Document? in
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
            // The root without the array's contents: its own keys are checked and `period` read.
            var skeleton = Data(bytes[0..<contents.lowerBound])
            skeleton.append(contentsOf: bytes[contents.upperBound...])
            guard let root = try? JSONDecoder().decode(Document.self, from: skeleton) else { return nil }
            let chunks = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
            let per = (elements.count + chunks - 1) / chunks
            let results = Mutex<[[Item]?]>(Array(repeating: nil, count: chunks))
            let base = bytes.baseAddress!
            nonisolated(unsafe) let raw = base
            DispatchQueue.concurrentPerform(iterations: chunks) { k in
                let slice = elements[min(elements.count, k * per)..<min(elements.count, (k + 1) * per)]
                guard let first = slice.first, let last = slice.last else { results.withLock { $0[k] = [] }; return }
                var chunk = Data(capacity: last.upperBound - first.lowerBound + 2)
                chunk.append(0x5B)
                chunk.append(UnsafeRawBufferPointer(start: raw + first.lowerBound, count: last.upperBound - first.lowerBound).bindMemory(to: UInt8.self))
                chunk.append(0x5D)
                let items = try? JSONDecoder().decode([Item].self, from: chunk)
                results.withLock { $0[k] = items }
            }
            var all: [Item] = []
            all.reserveCapacity(elements.count)
            for r in results.withLock({ $0 }) {
                guard let r else { return nil }
                all += r
            }
            // Elements and their separators only: anything else between them means the whole decoders must look.
            guard all.count == elements.count else { return nil }
            return Document(period: root.period, skp: all)
        }
    }

    /// Keys a document node may have; decoding refuses others (the slow path then names them).
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    struct UnknownKey: Error {}

    static func checkKeys(_ decoder: any Decoder, _ allowed: Set<String>) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        for k in c.allKeys where !allowed.contains(k.stringValue) { throw UnknownKey() }
    }

    struct Document: Decodable {
        var period: String?
        var skp: [Item]
        init(period: String?, skp: [Item]) {
            self.period = period
            self.skp = skp
        }
        init(from decoder: any Decoder) throws {
            try checkKeys(decoder, ["period", "skp"])
            let c = try decoder.container(keyedBy: CodingKeys.self)
            period = try c.decodeIfPresent(String.self, forKey: .period)
            skp = try c.decode([Item].self, forKey: .skp)
        }
        enum CodingKeys: String, CodingKey { case period, skp }
    }

    struct Item: Decodable {
        var nip: String?
        var rhk: [RHKNode]?
        var lampiran: LampiranNode?
        var perilaku: [String: String]?
        init(from decoder: any Decoder) throws {
            try checkKeys(decoder, ["nip", "rhk", "lampiran", "perilaku"])
            let c = try decoder.container(keyedBy: CodingKeys.self)
            nip = try c.decodeIfPresent(String.self, forKey: .nip)
            rhk = try c.decodeIfPresent([RHKNode].self, forKey: .rhk)
            lampiran = try c.decodeIfPresent(LampiranNode.self, forKey: .lampiran)
            perilaku = try c.decodeIfPresent([String: String].self, forKey: .perilaku)
        }
        enum CodingKeys: String, CodingKey { case nip, rhk, lampiran, perilaku }
    }

    struct LampiranNode: Decodable {
        var dukungan_sumber_daya: [String]?
        var skema_pertanggungjawaban: [String]?
        var konsekuensi: [String]?
    }

    struct RHKNode: Decodable {
        var id: String?
        var kind: String?
        var text: String?
        var intervensi: String?
        var indicators: [IndicatorNode]?
        init(from decoder: any Decoder) throws {
            try checkKeys(decoder, ["id", "kind", "text", "intervensi", "indicators"])
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(String.self, forKey: .id)
            kind = try c.decodeIfPresent(String.self, forKey: .kind)
            text = try c.decodeIfPresent(String.self, forKey: .text)
            intervensi = try c.decodeIfPresent(String.self, forKey: .intervensi)
            indicators = try c.decodeIfPresent([IndicatorNode].self, forKey: .indicators)
        }
        enum CodingKeys: String, CodingKey { case id, kind, text, intervensi, indicators }
    }

    struct IndicatorNode: Decodable {
        var id: String?
        var aspect: String?
        var text: String?
        var target: Double?
        var unit: String?
        var target_text: String?
        var direction: String?
        init(from decoder: any Decoder) throws {
            try checkKeys(decoder, ["id", "aspect", "text", "target", "unit", "target_text", "direction"])
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(String.self, forKey: .id)
            aspect = try c.decodeIfPresent(String.self, forKey: .aspect)
            text = try c.decodeIfPresent(String.self, forKey: .text)
            target = try c.decodeIfPresent(Double.self, forKey: .target)
            unit = try c.decodeIfPresent(String.self, forKey: .unit)
            target_text = try c.decodeIfPresent(String.self, forKey: .target_text)
            direction = try c.decodeIfPresent(String.self, forKey: .direction)
        }
        enum CodingKeys: String, CodingKey { case id, aspect, text, target, unit, target_text, direction }
    }

    /// The decoded document as SKPs, with the errors of values that are not allowed.
    static func convert(_ doc: Document, period fallback: PeriodID?) -> (Decoded?, [ItemError]) {
        var errors: [ItemError] = []
        var period = fallback
        if let text = doc.period {
            do { period = try PeriodID(text) } catch { errors.append(ItemError("period", error.message)) }
        }
        guard let period else {
            errors.append(ItemError("period", "name the annual period in the file (\"period\": \"2026\") or with --period"))
            return (nil, errors)
        }
        if let fallback, fallback != period { errors.append(ItemError("period", "the file says \(period) but --period says \(fallback)")) }
        var items: [(String, SKP)] = []
        items.reserveCapacity(doc.skp.count)
        for (i, o) in doc.skp.enumerated() {
            var path = "skp[\(i)]"
            let nip = o.nip?.trimmedBlanks ?? ""
            if nip.isEmpty { errors.append(ItemError(path + ".nip", "NIP is missing")) } else { path += " (\(nip))" }
            var rhks: [RHK] = []
            for (j, r) in (o.rhk ?? []).enumerated() {
                var p: String { "\(path).rhk[\(j)]" }
                let kindText = r.kind ?? "utama"
                guard let kind = RHKKind(rawValue: kindText.asciiLowercased) else {
                    errors.append(ItemError(p + ".kind", "'\(kindText)' is not utama or tambahan"))
                    continue
                }
                var indicators: [Indicator] = []
                for (k, d) in (r.indicators ?? []).enumerated() {
                    var q: String { "\(p).indicators[\(k)]" }
                    let aspectText = d.aspect ?? ""
                    guard let aspect = IndicatorAspect(rawValue: aspectText.asciiLowercased) else {
                        errors.append(ItemError(q + ".aspect", "'\(aspectText)' is not kuantitas, kualitas, waktu or biaya"))
                        continue
                    }
                    let directionText = d.direction ?? "higher_is_better"
                    guard let direction = Direction(rawValue: directionText) else {
                        errors.append(ItemError(q + ".direction", "'\(directionText)' is not higher_is_better or lower_is_better"))
                        continue
                    }
                    indicators.append(Indicator(
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
            var perilaku: [BerAKHLAK: String] = [:]
            for (k, v) in o.perilaku ?? [:] {
                guard let value = BerAKHLAK(rawValue: k) else {
                    errors.append(ItemError("\(path).perilaku.\(k)", "not a BerAKHLAK value (\(BerAKHLAK.allCases.map(\.rawValue).joined(separator: ", ")))"))
                    continue
                }
                perilaku[value] = v
            }
            items.append((path, SKP(nip: nip, period: period, rhk: rhks, lampiran: lampiran, perilaku: perilaku)))
        }
        return (Decoded(period: period.description, items: items), errors)
    }

    /// The slow path: JSONSerialization, every problem reported with its path.
    static func decodeLoosely(_ data: Data, period fallback: PeriodID?) -> (Decoded?, [ItemError]) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            return (nil, [ItemError("file", "not valid JSON: \((error as NSError).userInfo["NSDebugDescription"] ?? error)")])
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
            errors.append(ItemError("period", "name the annual period in the file (\"period\": \"2026\") or with --period"))
            return (nil, errors)
        }
        if let fallback, fallback != period {
            errors.append(ItemError("period", "the file says \(period) but --period says \(fallback)"))
        }
        guard let list = root["skp"] as? [Any] else {
            errors.append(ItemError("skp", "expected an array of SKPs"))
            return (nil, errors)
        }
        var items: [(String, SKP)] = []
        items.reserveCapacity(list.count)
        for (i, raw) in list.enumerated() {
            var path = "skp[\(i)]"
            guard let o = raw as? [String: Any] else {
                errors.append(ItemError(path, "expected an object"))
                continue
            }
            let nip = (o["nip"] as? String)?.trimmedBlanks ?? ""
            if nip.isEmpty { errors.append(ItemError(path + ".nip", "NIP is missing")) } else { path += " (\(nip))" }
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
                let kindText = (r["kind"] as? String) ?? "utama"
                guard let kind = RHKKind(rawValue: kindText.lowercased()) else {
                    errors.append(ItemError(p + ".kind", "'\(kindText)' is not utama or tambahan"))
                    continue
                }
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
                    let aspectText = (d["aspect"] as? String) ?? ""
                    guard let aspect = IndicatorAspect(rawValue: aspectText.lowercased()) else {
                        errors.append(ItemError(q + ".aspect", "'\(aspectText)' is not kuantitas, kualitas, waktu or biaya"))
                        continue
                    }
                    let directionText = (d["direction"] as? String) ?? "higher_is_better"
                    guard let direction = Direction(rawValue: directionText) else {
                        errors.append(ItemError(q + ".direction", "'\(directionText)' is not higher_is_better or lower_is_better"))
                        continue
                    }
                    var target: Double?
                    if let t = d["target"] {
                        if let n = t as? NSNumber, String(describing: type(of: t)) != "__NSCFBoolean" { target = n.doubleValue }
                        else {
                            errors.append(ItemError(q + ".target", "target must be a number (use target_text for a qualitative target)"))
                            continue
                        }
                    }
                    indicators.append(Indicator(
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
            var perilaku: [BerAKHLAK: String] = [:]
            for (k, v) in (o["perilaku"] as? [String: Any]) ?? [:] {
                guard let value = BerAKHLAK(rawValue: k) else {
                    errors.append(ItemError("\(path).perilaku.\(k)", "not a BerAKHLAK value (\(BerAKHLAK.allCases.map(\.rawValue).joined(separator: ", ")))"))
                    continue
                }
                perilaku[value] = v as? String ?? ""
            }
            items.append((path, SKP(nip: nip, period: period, rhk: rhks, lampiran: lampiran, perilaku: perilaku)))
        }
        return (Decoded(period: period.description, items: items), errors)
    }
}
