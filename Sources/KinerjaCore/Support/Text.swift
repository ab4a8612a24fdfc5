import Foundation

extension String {
    /// The string without leading and trailing ASCII blanks (space, tab, CR, LF). Returns the string itself,
    /// without copying, in the common case where there is nothing to trim (bulk imports call this a lot).
    public var trimmedBlanks: String {
        let u = utf8
        guard let first = u.first, let last = u.last else { return self }
        if !Self.isBlank(first) && !Self.isBlank(last) { return self }
        var start = u.startIndex
        var end = u.endIndex
        while start < end && Self.isBlank(u[start]) { start = u.index(after: start) }
        while end > start && Self.isBlank(u[u.index(before: end)]) { end = u.index(before: end) }
        return String(self[start..<end])
    }

    /// `trimmingCharacters(in: .whitespaces)` (spaces and tabs, Unicode's too), without Foundation's bridging when
    /// there is nothing to trim: the string itself when its first and last bytes are ASCII and neither a space nor a
    /// tab (a request's NIP, every call).
    public var trimmingWhitespaces: String {
        let u = utf8
        guard let first = u.first, let last = u.last else { return self }
        if first < 0x80 && last < 0x80 && first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09 { return self }
        return trimmingCharacters(in: .whitespaces)
    }

    /// nil for the empty string.
    public var nilIfEmpty: String? { isEmpty ? nil : self }

    @inline(__always) static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }

    /// ASCII lowercase, copying only when an uppercase letter is present.
    public var asciiLowercased: String {
        if !utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) { return self }
        return String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }, as: UTF8.self)
    }
}

extension RawRepresentable where RawValue == String {
    /// The case whose raw value is `text` in any ASCII case, blanks around it ignored: every enum value that comes
    /// from outside is read this way (`APPROVED`, `Di_Atas`, ` monthly `).
    public init?(matching text: String) {
        self.init(rawValue: text.trimmedBlanks.asciiLowercased)
    }
}
