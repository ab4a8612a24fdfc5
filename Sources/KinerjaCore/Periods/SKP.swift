import Foundation

public enum SKPStatus: String, Sendable, CaseIterable, Codable {
    case draft, submitted, approved, returned

    public var editable: Bool { self == .draft || self == .returned }
}

public enum RHKKind: String, Sendable, Codable {
    case utama, tambahan
}

public enum IndicatorAspect: String, Sendable, CaseIterable, Codable {
    case kuantitas, kualitas, waktu, biaya
}

public enum Direction: String, Sendable, CaseIterable, Codable {
    case higherIsBetter = "higher_is_better"
    case lowerIsBetter = "lower_is_better"
}

public struct Indicator: Sendable, Equatable {
    public var id: String
    public var aspect: IndicatorAspect
    public var text: String
    /// Numeric target; nil for a qualitative target (`targetText`).
    public var target: Double?
    public var unit: String
    public var targetText: String
    public var direction: Direction

    public init(
        id: String, aspect: IndicatorAspect, text: String, target: Double?, unit: String = "", targetText: String = "", direction: Direction = .higherIsBetter
    ) {
        self.id = id
        self.aspect = aspect
        self.text = text
        self.target = target
        self.unit = unit
        self.targetText = targetText
        self.direction = direction
    }
}

public struct RHK: Sendable, Equatable {
    public var id: String
    public var kind: RHKKind
    public var text: String
    /// The supervisor's RHK this one supports (cascading); nil for none.
    public var intervensi: String?
    public var indicators: [Indicator]

    public init(id: String, kind: RHKKind, text: String, intervensi: String? = nil, indicators: [Indicator]) {
        self.id = id
        self.kind = kind
        self.text = text
        self.intervensi = intervensi
        self.indicators = indicators
    }
}

/// Lampiran of an SKP: resource support, accountability scheme, consequences.
public struct Lampiran: Sendable, Equatable, Codable {
    public var dukunganSumberDaya: [String] = []
    public var skemaPertanggungjawaban: [String] = []
    public var konsekuensi: [String] = []

    enum CodingKeys: String, CodingKey {
        case dukunganSumberDaya = "dukungan_sumber_daya"
        case skemaPertanggungjawaban = "skema_pertanggungjawaban"
        case konsekuensi
    }

    public init() {}
}

public struct SKP: Sendable, Equatable {
    public var nip: String
    public var period: PeriodID
    public var status: SKPStatus
    public var returnNote: String
    public var rhk: [RHK]
    public var lampiran: Lampiran
    /// Expected behaviour (ekspektasi khusus pimpinan) per BerAKHLAK value.
    public var perilaku: [BerAKHLAK: String]

    public init(
        nip: String, period: PeriodID, status: SKPStatus = .draft, returnNote: String = "", rhk: [RHK], lampiran: Lampiran = Lampiran(),
        perilaku: [BerAKHLAK: String] = [:]
    ) {
        self.nip = nip
        self.period = period
        self.status = status
        self.returnNote = returnNote
        self.rhk = rhk
        self.lampiran = lampiran
        self.perilaku = perilaku
    }
}

/// An item-level problem in a nested import: `skp[3] (NIP …) rhk[1].indicators[0].aspect: …`.
public struct ItemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    /// Path and message are cut to a bounded size (a path holds a NIP from the file).
    public init(_ path: String, _ message: String) {
        self.path = path.utf8.count > 300 ? String(path.prefix(300)) + "…" : path
        self.message = message.utf8.count > 1_000 ? String(message.prefix(1_000)) + "…" : message
    }
    public var description: String { "\(path): \(message)" }
}

public enum SKPRules {
    /// Checks one SKP's own structure (ids, kinds, indicators, at least one RHK utama). `path` prefixes the errors.
    public static func validateStructure(_ skp: SKP, path: String) -> [ItemError] {
        var errors: [ItemError] = []
        if skp.rhk.isEmpty { errors.append(ItemError(path + ".rhk", "an SKP needs at least one RHK")) }
        if !skp.rhk.isEmpty && !skp.rhk.contains(where: { $0.kind == .utama }) {
            errors.append(ItemError(path + ".rhk", "an SKP needs at least one RHK utama"))
        }
        for (name, list) in [
            ("dukungan_sumber_daya", skp.lampiran.dukunganSumberDaya), ("skema_pertanggungjawaban", skp.lampiran.skemaPertanggungjawaban),
            ("konsekuensi", skp.lampiran.konsekuensi),
        ] {
            if list.count > 50 { errors.append(ItemError("\(path).lampiran.\(name)", "has \(list.count) entries; at most 50 are allowed")) }
            for (k, text) in list.enumerated() {
                if let why = FieldLimit.text.check(text) { errors.append(ItemError("\(path).lampiran.\(name)[\(k)]", "\(why)")) }
            }
        }
        for (aspect, text) in skp.perilaku {
            if let why = FieldLimit.text.check(text) { errors.append(ItemError("\(path).perilaku.\(aspect.rawValue)", "\(why)")) }
        }
        if skp.rhk.count > 100 { errors.append(ItemError(path + ".rhk", "has \(skp.rhk.count) RHK; at most 100 are allowed")) }
        // Paths are built only for errors; ids are compared pairwise (an SKP has a handful of each).
        for (i, r) in skp.rhk.enumerated() {
            var p: String { "\(path).rhk[\(i)]" }
            if r.id.isEmpty { errors.append(ItemError(p + ".id", "RHK id is empty")) }
            if skp.rhk[..<i].contains(where: { $0.id == r.id }) { errors.append(ItemError(p + ".id", "RHK id '\(r.id)' appears twice")) }
            if r.text.isEmpty { errors.append(ItemError(p + ".text", "RHK text is empty")) }
            if let why = FieldLimit.text.check(r.text) { errors.append(ItemError(p + ".text", "RHK text \(why)")) }
            if let why = FieldLimit.name.check(r.id) { errors.append(ItemError(p + ".id", "RHK id \(why)")) }
            if r.indicators.isEmpty { errors.append(ItemError(p + ".indicators", "an RHK needs at least one indicator")) }
            for (j, ind) in r.indicators.enumerated() {
                var q: String { "\(p).indicators[\(j)]" }
                if ind.id.isEmpty { errors.append(ItemError(q + ".id", "indicator id is empty")) }
                if r.indicators[..<j].contains(where: { $0.id == ind.id }) {
                    errors.append(ItemError(q + ".id", "indicator id '\(ind.id)' appears twice in RHK \(r.id)"))
                }
                if ind.text.isEmpty { errors.append(ItemError(q + ".text", "indicator text is empty")) }
                if ind.target == nil && ind.targetText.isEmpty {
                    errors.append(ItemError(q + ".target", "give a numeric target (with unit) or a target_text"))
                }
                if let t = ind.target {
                    if let problem = Measure.check(t) {
                        errors.append(ItemError(q + ".target", "target \(problem.message)"))
                    } else if t < 0 {
                        errors.append(ItemError(q + ".target", "target must not be negative"))
                    }
                }
                if let why = FieldLimit.text.check(ind.text) { errors.append(ItemError(q + ".text", "indicator text \(why)")) }
                if let why = FieldLimit.name.check(ind.unit) { errors.append(ItemError(q + ".unit", "unit \(why)")) }
                if let why = FieldLimit.text.check(ind.targetText) { errors.append(ItemError(q + ".target_text", "target_text \(why)")) }
                if let why = FieldLimit.name.check(ind.id) { errors.append(ItemError(q + ".id", "indicator id \(why)")) }
            }
        }
        return errors
    }
}

extension SKPRules {
    /// Cascading: an RHK's intervensi must be an RHK of the employee's direct supervisor's SKP in the same
    /// period (stored, or in the same import). RHK utama of an employee with a supervisor must name one,
    /// except for JPT heads.
    public static func validateIntervensi(
        _ items: [(path: String, skp: SKP)], employees: [String: Employee], storedRHK: (String) -> Set<String>?
    ) -> [ItemError] {
        // The RHK of each SKP in the file, by NIP (position in `items`).
        var inFile: [String: Int] = [:]
        inFile.reserveCapacity(items.count)
        for (k, item) in items.enumerated() { inFile[item.skp.nip] = k }
        var errors: [ItemError] = []
        for (path, s) in items {
            guard let e = employees[s.nip] else { continue }
            for (i, r) in s.rhk.enumerated() {
                var p: String { "\(path).rhk[\(i)].intervensi" }
                guard let target = r.intervensi, !target.isEmpty else {
                    if r.kind == .utama && e.supervisorNIP != nil && e.jenisJabatan != .jpt {
                        errors.append(ItemError(p, "RHK utama \(r.id) must name the supervisor's RHK it supports (intervensi)"))
                    }
                    continue
                }
                guard let sup = e.supervisorNIP else {
                    errors.append(ItemError(p, "\(s.nip) has no supervisor, so RHK \(r.id) cannot intervene an RHK"))
                    continue
                }
                let found: Bool
                if let k = inFile[sup] {
                    found = items[k].skp.rhk.contains { $0.id == target }
                } else if let stored = storedRHK(sup) {
                    found = stored.contains(target)
                } else {
                    errors.append(ItemError(p, "supervisor \(sup) has no SKP for \(s.period) yet; import it first or in the same file"))
                    continue
                }
                if !found {
                    errors.append(ItemError(p, "'\(target)' is not an RHK of supervisor \(sup)'s SKP for \(s.period)"))
                }
            }
        }
        return errors
    }
}

/// A stored link of the cascade: `nip`'s RHK `rhk` intervenes RHK `supervisorRHK` of `supervisorNIP`.
public struct IntervensiLink: Sendable, Equatable {
    public var nip: String
    public var rhk: String
    public var supervisorNIP: String
    public var supervisorRHK: String
    public init(nip: String, rhk: String, supervisorNIP: String, supervisorRHK: String) {
        self.nip = nip
        self.rhk = rhk
        self.supervisorNIP = supervisorNIP
        self.supervisorRHK = supervisorRHK
    }
}

extension SKPRules {
    /// Replacing a supervisor's SKP must not leave a subordinate's intervensi pointing at an RHK that is gone: each
    /// stored link to a removed RHK is an error, unless that subordinate's SKP is in the same import (its new
    /// references are checked by `validateIntervensi`).
    public static func validateDanglingIntervensi(_ items: [(path: String, skp: SKP)], stored links: [IntervensiLink]) -> [ItemError] {
        var byNIP: [String: Int] = [:]
        for (k, item) in items.enumerated() { byNIP[item.skp.nip] = k }
        var broken: [String: [IntervensiLink]] = [:]
        for link in links {
            guard let k = byNIP[link.supervisorNIP] else { continue }
            if byNIP[link.nip] != nil { continue }
            if items[k].skp.rhk.contains(where: { $0.id == link.supervisorRHK }) { continue }
            broken[link.supervisorNIP, default: []].append(link)
        }
        return broken.keys.sorted().map { sup in
            let list = broken[sup]!
            let shown = list.prefix(20).map { "\($0.nip) \($0.rhk) → \($0.supervisorRHK)" }.joined(separator: ", ")
            return ItemError(
                items[byNIP[sup]!].path + ".rhk",
                "the new SKP removes RHK that subordinates intervene (\(shown)\(list.count > 20 ? ", … \(list.count - 20) more" : "")): "
                    + "keep those RHK, or put the subordinates' SKPs in the same file without the reference")
        }
    }
}
