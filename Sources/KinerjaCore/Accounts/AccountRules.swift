import Foundation

/// What a password must be: at least 10 characters, at most 72 bytes (bcrypt reads no further), not the NIP, and not
/// one of the passwords everybody tries first.
public enum PasswordRules {
    public static let minimumCharacters = 10
    public static let maximumBytes = 72

    /// nil when `password` may be used by the employee `nip`; else why not.
    public static func refusal(_ password: String, nip: String) -> String? {
        if password.count < minimumCharacters { return "a password needs at least \(minimumCharacters) characters" }
        if password.utf8.count > maximumBytes { return "a password may be at most \(maximumBytes) bytes long" }
        if password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "a password may not contain control characters"
        }
        let folded = password.lowercased()
        if folded.contains(nip) { return "a password may not contain the NIP" }
        if common.contains(folded) || Set(folded).count <= 2 { return "this password is too easy to guess: choose another" }
        return nil
    }

    /// A small list of the passwords tried first (compared in lower case); with `refusal`'s other checks.
    static let common: Set<String> = [
        "1234567890", "12345678910", "0123456789", "0987654321", "1122334455", "1234512345", "qwertyuiop", "asdfghjkl;", "1q2w3e4r5t",
        "password12", "password123", "password1234", "passw0rd12", "p@ssw0rd12", "p@ssword123", "iloveyou12", "sayangku123", "bismillah1",
        "bismillah12", "bismillah123", "indonesia1", "indonesia12", "indonesia123", "indonesia45", "jakarta123", "merdeka1945", "pancasila1",
        "pancasila45", "garuda1945", "qwerty1234", "qwerty12345", "abcdefghij", "abcd123456", "abc1234567", "admin12345", "administrator",
        "rahasia123", "rahasiaku1", "katasandi1", "katasandi123", "sandi12345", "kinerja123", "kinerja2026", "pegawai123", "asn1234567",
        "pns1234567", "welcome123", "letmein123", "football12", "sunshine12", "princess12", "superman12", "trustno1234", "changeme12",
        "default123", "masuk12345", "login12345", "zaq12wsxcde", "1qaz2wsx3edc",
    ]
}

/// The lockout after failed logins: 5 within 15 minutes lock the account for 15 minutes.
public enum LoginLockout {
    public static let maximumFailures = 5
    public static let window: TimeInterval = 15 * 60
    public static let duration: TimeInterval = 15 * 60

    /// The failures that still count at `now`.
    public static func counting(_ failures: [Date], now: Date) -> [Date] {
        failures.filter { $0 > now.addingTimeInterval(-window) && $0 <= now }
    }

    /// Until when the account is locked after a failure at `now`, given the failures before it; nil when not locked.
    public static func lockedUntil(afterFailureAt now: Date, earlier: [Date]) -> Date? {
        counting(earlier, now: now).count + 1 >= maximumFailures ? now.addingTimeInterval(duration) : nil
    }
}

/// A one-time activation (or reset) code: 128 random bits, written as 26 Crockford base-32 characters in groups of
/// four (`7KQ2-…`), valid for 72 hours.
public enum ActivationCode {
    public static let validity: TimeInterval = 72 * 3600
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// A new code from `random` (the system's cryptographic generator in the daemon).
    public static func make(using random: inout some RandomNumberGenerator) -> String {
        var bits = (UInt128(random.next() as UInt64) << 64) | UInt128(random.next() as UInt64)
        var characters: [UInt8] = []
        for _ in 0..<26 {
            characters.append(alphabet[Int(bits & 31)])
            bits >>= 5
        }
        var grouped: [UInt8] = []
        for (i, c) in characters.enumerated() {
            if i > 0 && i % 4 == 0 { grouped.append(UInt8(ascii: "-")) }
            grouped.append(c)
        }
        return String(decoding: grouped, as: UTF8.self)
    }

    /// The code as typed, in its one canonical form: upper case, without separators; the letters Crockford reads as
    /// digits (O, I, L) are read so. nil when it cannot be a code.
    public static func normalised(_ text: String) -> String? {
        var out: [UInt8] = []
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "-"), UInt8(ascii: " "): continue
            case UInt8(ascii: "o"), UInt8(ascii: "O"): out.append(UInt8(ascii: "0"))
            case UInt8(ascii: "i"), UInt8(ascii: "I"), UInt8(ascii: "l"), UInt8(ascii: "L"): out.append(UInt8(ascii: "1"))
            default:
                let upper = (b >= 0x61 && b <= 0x7A) ? b - 0x20 : b
                guard alphabet.contains(upper) else { return nil }
                out.append(upper)
            }
            if out.count > 26 { return nil }
        }
        return out.count == 26 ? String(decoding: out, as: UTF8.self) : nil
    }
}

/// What an account is now, from what is stored.
public enum AccountStatus: String, Sendable, CaseIterable {
    /// A code is out; no password yet.
    case invited
    case active
    case disabled
}
