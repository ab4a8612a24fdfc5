import Crypto
import Foundation
import HummingbirdBcrypt

/// How secrets are kept: passwords with bcrypt (slow on purpose, so it runs off the cooperative pool), one-time codes
/// as SHA-256 (a code has 128 random bits: nothing to gain from a slow hash, and it is looked up by value).
enum Credentials {
    static func hash(password: String, cost: Int) async -> String {
        let cost = UInt8(clamping: max(4, min(31, cost)))
        return await Blocking.run { Bcrypt.hash(password, cost: cost) }
    }

    /// True when `password` matches `hash`. An empty hash (no password set) is checked against a stand-in, so that a
    /// login for an account without a password takes as long as one with.
    static func verify(password: String, hash: String) async -> Bool {
        let against = hash.isEmpty ? standIn : hash
        let ok = await Blocking.run { Bcrypt.verify(password, hash: against) }
        return ok && !hash.isEmpty
    }

    /// A bcrypt hash of cost 12 that no password matches in practice (its password is 64 random bytes, thrown away).
    static let standIn: String = Bcrypt.hash((0..<64).map { _ in String(UInt8.random(in: 33...126)) }.joined(), cost: 12)

    static func codeHash(_ normalisedCode: String) -> String {
        SHA256.hash(data: Data(normalisedCode.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
