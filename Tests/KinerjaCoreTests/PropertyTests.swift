import Foundation
import PropertyBased
import Testing

@testable import KinerjaCore

/// Random and mutated inputs never trap, and an accepted value round-trips (the readers of outside input).
@Suite struct CorePropertyTests {
    static let numberBytes = Gen.element(of: Array("0123456789.,-+eE xnaIfN".utf8)).array(of: 0...30)

    @Test func measureNeverTrapsAndAcceptedValuesAreInRange() async {
        await propertyCheck(count: 3_000, input: Self.numberBytes) { bytes in
            let text = String(decoding: bytes.compactMap { $0 }, as: UTF8.self)
            if case .success(let v) = Measure.parse(text, decimalComma: true) {
                #expect(v.isFinite && abs(v) <= Measure.maximum)
                #expect(Measure.check(v) == nil)
                // Accepted: its shortest text parses back to the same value.
                #expect((try? Measure.parse(v.description).get()) == v)
            }
        }
    }

    /// `trimmingWhitespaces` is Foundation's `trimmingCharacters(in: .whitespaces)` on every string, its fast path included
    /// (ASCII ends that are not blank): spaces, tabs, Unicode's spaces (NBSP, ideographic), line breaks (not trimmed),
    /// accented letters and emoji at either end.
    @Test func trimmingWhitespacesIsFoundationsTrim() async {
        let pieces = ["1", "9", "a", "Z", " ", "\t", "\n", "\r", "\u{00A0}", "\u{3000}", "\u{2009}", "é", "😀", "-", "\u{0301}"]
        await propertyCheck(count: 4_000, input: Gen.element(of: pieces).array(of: 0...8)) { parts in
            let text = parts.compactMap { $0 }.joined()
            #expect(text.trimmingWhitespaces == text.trimmingCharacters(in: .whitespaces), "\(Array(text.unicodeScalars))")
        }
    }

    @Test func measuresInRangeRoundTrip() async {
        await propertyCheck(count: 3_000, input: Gen.int64(in: -1_000_000_000_000_000_000...1_000_000_000_000_000_000)) { micro in
            let v = Double(micro) / 1_000_000
            #expect(Measure.check(v) == nil, "\(v)")
            #expect((try? Measure.parse(v.description).get()) == v)
        }
    }

    @Test func rupiahNeverTrapsAndRoundTrips() async {
        await propertyCheck(count: 3_000, input: Gen.element(of: Array("0123456789.,Rp -".utf8)).array(of: 0...24)) { bytes in
            let text = String(decoding: bytes.compactMap { $0 }, as: UTF8.self)
            if case .success(let v) = Rupiah.parse(text) {
                #expect(v >= 0)
                #expect((try? Rupiah.parse(String(v)).get()) == v)
            }
        }
        await propertyCheck(count: 2_000, input: Gen.int64(in: 0...Int64.max)) { v in
            #expect((try? Rupiah.parse("Rp " + String(v)).get()) == v)
        }
    }

    @Test func nipNeverTrapsAndValidNumbersRoundTrip() async {
        await propertyCheck(count: 3_000, input: Gen.element(of: Array("0123456789 x".utf8)).array(of: 0...24), Gen.bool) { bytes, pppk in
            let text = String(decoding: bytes.compactMap { $0 }, as: UTF8.self)
            if let nip = try? NIP(text, kind: pppk ? .pppk : .pns) {
                #expect(nip.value.utf8.count == 18)
                #expect((try? NIP(nip.value, kind: nip.kind))?.value == nip.value)
            }
        }
    }

    @Test func cronNeverTrapsAndAcceptedExpressionsRoundTrip() async {
        await propertyCheck(count: 3_000, input: Gen.element(of: Array("0123456789*/,- @dailyMONJAN#".utf8)).array(of: 0...30)) { bytes in
            let text = String(decoding: bytes.compactMap { $0 }, as: UTF8.self)
            if let cron = try? CronExpression(text) {
                #expect((try? CronExpression(cron.source)) == cron)
            }
        }
    }

    @Test func fractionArithmeticNeverTraps() async {
        let operand = Gen.int128(in: Int128.min + 1...Int128.max)
        await propertyCheck(count: 3_000, input: operand, operand, operand, operand) { a, b, c, d in
            guard let x = try? Fraction.exactly(a, b == 0 ? 1 : b), let y = try? Fraction.exactly(c, d == 0 ? 1 : d) else { return }
            for r in [try? x + y, try? x - y, try? x * y, try? x / y] {
                if let r { #expect(r.denominator > 0) }
            }
            _ = try? x.rounded()
            _ = x < y
            #expect(!x.decimalText(places: 2).isEmpty)
            #expect(!y.percentText().isEmpty)
        }
    }

    @Test func fractionsAgreeWithIntegerArithmeticWhereTheyFit() async {
        let small = Gen.int64(in: -1_000_000_000...1_000_000_000)
        let positive = Gen.int64(in: 1...1_000_000)
        await propertyCheck(count: 3_000, input: small, positive, small, positive) { a, b, c, d in
            let x = Fraction(Int128(a), Int128(b))
            let y = Fraction(Int128(c), Int128(d))
            #expect((try? x + y) == Fraction(Int128(a) * Int128(d) + Int128(c) * Int128(b), Int128(b) * Int128(d)))
            #expect((try? x * y) == Fraction(Int128(a) * Int128(c), Int128(b) * Int128(d)))
            #expect((x < y) == (Int128(a) * Int128(d) < Int128(c) * Int128(b)))
        }
    }
}

@Suite struct MeasureFastPathTests {
    /// The fast path and the general reader agree on every plain decimal.
    @Test func fastAndGeneralAgree() async {
        await propertyCheck(count: 5_000, input: Gen.int64(in: 0...1_000_000_000_000), Gen.int(in: 0...6), Gen.int64(in: 0...999_999)) { whole, places, frac in
            let digits = places == 0 ? "" : "." + String(String(frac).prefix(places)).padding(toLength: places, withPad: "0", startingAt: 0)
            let text = "\(whole)\(whole == 1_000_000_000_000 ? "" : digits)"
            let fast = text.utf8.withContiguousStorageIfAvailable { Measure.plain($0, decimalComma: false) } ?? nil
            let general = try? Measure.general(text, decimalComma: false).get()
            // The fast path may pass (nil) to the general reader; what it answers, it answers exactly.
            if let fast { #expect(fast == general, "\(text)") }
            #expect((try? Measure.parse(text).get()) == Double(text), "\(text)")
        }
    }
}
