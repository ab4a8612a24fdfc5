import Foundation

/// Rank: PNS `I/a` … `IV/e`; PPPK `I` … `XVII`.
public enum Golongan {
    public static let pns: [String] = {
        var out: [String] = []
        for (group, letters) in [("I", "abcd"), ("II", "abcd"), ("III", "abcd"), ("IV", "abcde")] {
            for l in letters { out.append("\(group)/\(l)") }
        }
        return out
    }()
    public static let pppk = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII"]

    /// The canonical spelling (`III/b`, `IX`), or an error naming the allowed values for the kind.
    static let pnsSet = Set(pns)
    static let pppkSet = Set(pppk)

    public static func normalize(_ text: String, kind: EmployeeKind) throws(ValidationError) -> String {
        // Fast path: already canonical.
        if kind == .pns ? pnsSet.contains(text) : pppkSet.contains(text) { return text }
        let t = text.trimmedBlanks.replacingOccurrences(of: " ", with: "")
        switch kind {
        case .pns:
            let parts = t.split(separator: "/")
            if parts.count == 2 {
                let candidate = parts[0].uppercased() + "/" + parts[1].lowercased()
                if pns.contains(candidate) { return candidate }
            }
            throw ValidationError("golongan '\(Quote.short(text))' is not a PNS rank (I/a–I/d, II/a–II/d, III/a–III/d, IV/a–IV/e)")
        case .pppk:
            let candidate = t.uppercased()
            if pppk.contains(candidate) { return candidate }
            throw ValidationError("golongan '\(Quote.short(text))' is not a PPPK rank (I–XVII)")
        }
    }

    /// The roman group of a rank: 1–4 for PNS, 1–17 for PPPK.
    public static func group(_ golongan: String, kind: EmployeeKind) -> Int? {
        switch kind {
        case .pns:
            let roman = golongan.split(separator: "/").first.map(String.init) ?? ""
            return ["I": 1, "II": 2, "III": 3, "IV": 4][roman]
        case .pppk:
            return pppk.firstIndex(of: golongan).map { $0 + 1 }
        }
    }
}

public enum JenisJabatan: String, Sendable, CaseIterable, Codable {
    case jpt, administrator, pengawas, pelaksana, fungsional
}

public enum JabatanFungsional: String, Sendable, CaseIterable, Codable {
    case ahliPertama = "ahli_pertama"
    case ahliMuda = "ahli_muda"
    case ahliMadya = "ahli_madya"
    case ahliUtama = "ahli_utama"
    case pemula, terampil, mahir, penyelia
}

/// The three Indonesian time zones an agency can live in.
public enum AgencyZone {
    public static let allowed = ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]
    public static let labels = ["Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"]

    public static func validate(_ zone: String) throws(ValidationError) -> String {
        guard allowed.contains(zone) else {
            throw ValidationError("time zone '\(zone)' is not an Indonesian zone; use Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT)")
        }
        return zone
    }
}

/// A rule broken by an input value; the message says what is wrong and what is allowed.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct Agency: Sendable, Equatable {
    public var code: String
    public var name: String
    public var timeZone: String
    public var pluginID: String

    public init(code: String = "", name: String = "", timeZone: String = "Asia/Jakarta", pluginID: String = "") {
        self.code = code
        self.name = name
        self.timeZone = timeZone
        self.pluginID = pluginID
    }
}

/// A unit kerja: a node of the organisation tree.
public struct OrgUnit: Sendable, Equatable {
    public var code: String
    public var name: String
    public var parentCode: String?
    public var headNIP: String?

    public init(code: String, name: String, parentCode: String? = nil, headNIP: String? = nil) {
        self.code = code
        self.name = name
        self.parentCode = parentCode
        self.headNIP = headNIP
    }
}

public struct Employee: Sendable, Equatable {
    public var nip: String
    public var name: String
    public var kind: EmployeeKind
    public var golongan: String
    public var jabatan: String
    public var jenisJabatan: JenisJabatan
    public var jabatanFungsional: JabatanFungsional?
    public var kelasJabatan: Int
    public var unitCode: String
    public var supervisorNIP: String?
    public var email: String
    public var phone: String
    public var active: Bool
    /// A CPNS (candidate PNS in their first year): the agency may pay a share of the TPP base (`[tpp] cpns_percent`).
    public var cpns: Bool
    /// The day the employee entered their current jabatan, when known: angka kredit counts only the months from it.
    public var jabatanSince: CivilDate?

    public init(
        nip: String, name: String, kind: EmployeeKind, golongan: String, jabatan: String = "", jenisJabatan: JenisJabatan,
        jabatanFungsional: JabatanFungsional? = nil, kelasJabatan: Int, unitCode: String, supervisorNIP: String? = nil,
        email: String = "", phone: String = "", active: Bool = true, cpns: Bool = false, jabatanSince: CivilDate? = nil
    ) {
        self.nip = nip
        self.name = name
        self.kind = kind
        self.golongan = golongan
        self.jabatan = jabatan
        self.jenisJabatan = jenisJabatan
        self.jabatanFungsional = jabatanFungsional
        self.kelasJabatan = kelasJabatan
        self.unitCode = unitCode
        self.supervisorNIP = supervisorNIP
        self.email = email
        self.phone = phone
        self.active = active
        self.cpns = cpns
        self.jabatanSince = jabatanSince
    }
}

public enum UnitCode {
    /// Codes are 1–64 characters of letters, digits, `.`, `-`, `_` and `/`.
    public static func validate(_ code: String) throws(ValidationError) -> String {
        let c = code.trimmingWhitespaces
        guard !c.isEmpty else { throw ValidationError("unit code is empty") }
        guard c.count <= 64 else { throw ValidationError("unit code '\(c.prefix(20))…' is longer than 64 characters") }
        guard c.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-/".contains($0)) }) else {
            throw ValidationError("unit code '\(c)' may contain only letters, digits, '.', '-', '_' and '/'")
        }
        return c
    }
}

/// Parses the yes/no spellings a spreadsheet may carry.
public func parseFlag(_ text: String) -> Bool? {
    switch text.trimmedBlanks.asciiLowercased {
    case "1", "true", "yes", "ya", "y", "aktif", "active": true
    case "0", "false", "no", "tidak", "t", "n", "nonaktif", "inactive": false
    default: nil
    }
}

/// Who may head a unit, and what happens to a head who leaves.
public enum UnitHeadRules {
    /// A head belongs to the unit itself or to its parent unit (a unit whose head sits above it, such as a
    /// sub-bagian headed from the bagian). nil when `head` may head `unit`; otherwise why not.
    public static func refusal(head: Employee, unit: OrgUnit) -> String? {
        if !head.active { return "employee \(head.nip) is not active and cannot head a unit" }
        if head.unitCode == unit.code || (unit.parentCode != nil && head.unitCode == unit.parentCode) { return nil }
        return "employee \(head.nip) belongs to unit \(head.unitCode); the head of \(unit.code) must belong to \(unit.code)"
            + (unit.parentCode.map { " or its parent \($0)" } ?? "")
    }

    /// The units whose head is among `deactivated`, with the head removed.
    public static func withoutDeactivatedHeads(_ units: [OrgUnit], deactivated: Set<String>) -> [OrgUnit] {
        units.compactMap { u in
            guard let h = u.headNIP, deactivated.contains(h) else { return nil }
            var changed = u
            changed.headNIP = nil
            return changed
        }
    }
}
