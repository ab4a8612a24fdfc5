import Testing

@testable import KinerjaCore

func units(_ spec: [(Predikat, Int)]) -> [Predikat] { spec.flatMap { Array(repeating: $0.0, count: $0.1) } }

@Suite struct CurveTests {
    @Test func istimewaAllowsExactlySeventyPercent() {
        let ok = DistributionCurve.evaluate(unit: .istimewa, predicates: units([(.sangatBaik, 7), (.baik, 3)]))
        #expect(ok.satisfied)
        let over = DistributionCurve.evaluate(unit: .istimewa, predicates: units([(.sangatBaik, 8), (.baik, 2)]))
        #expect(over.violations == ["Sangat Baik at most 70%: 8 of 10 (80%)"])
        #expect(over.minimumChanges == 1)
        // One employee: 70 % of 1 is 0.7, so a lone Sangat Baik is over.
        let one = DistributionCurve.evaluate(unit: .istimewa, predicates: [.sangatBaik])
        #expect(!one.satisfied && one.minimumChanges == 1)
    }

    @Test func baikNeedsATailAndAtMostSeventyPercentBaik() {
        #expect(DistributionCurve.evaluate(unit: .baik, predicates: units([(.baik, 7), (.sangatBaik, 2), (.butuhPerbaikan, 1)])).satisfied)
        let noTail = DistributionCurve.evaluate(unit: .baik, predicates: units([(.baik, 7), (.sangatBaik, 3)]))
        #expect(noTail.violations == ["at least one Butuh Perbaikan or Kurang/Misconduct: none of 10"])
        #expect(noTail.minimumChanges == 1)
        let both = DistributionCurve.evaluate(unit: .baik, predicates: units([(.baik, 10)]))
        #expect(both.violations.count == 2)
        #expect(both.minimumChanges == 3)  // 3 Baik → Butuh Perbaikan fixes both
        // Tiny units: reported, not a crash.
        let two = DistributionCurve.evaluate(unit: .baik, predicates: [.baik, .sangatBaik])
        #expect(two.violations == ["at least one Butuh Perbaikan or Kurang/Misconduct: none of 2"])  // 1 of 2 Baik is within 70 %
        #expect(two.minimumChanges == 1)
        #expect(DistributionCurve.evaluate(unit: .baik, predicates: [.baik]).minimumChanges == 1)
        #expect(DistributionCurve.evaluate(unit: .baik, predicates: [.butuhPerbaikan]).satisfied)
    }

    @Test func butuhPerbaikanSixtyAndTenPercent() {
        #expect(DistributionCurve.evaluate(unit: .butuhPerbaikan, predicates: units([(.butuhPerbaikan, 6), (.baik, 3), (.sangatBaik, 1)])).satisfied)
        let short = DistributionCurve.evaluate(unit: .butuhPerbaikan, predicates: units([(.butuhPerbaikan, 5), (.baik, 3), (.sangatBaik, 2)]))
        #expect(short.violations.count == 2)
        #expect(short.minimumChanges == 1)  // one Sangat Baik → Butuh Perbaikan
        let three = DistributionCurve.evaluate(unit: .butuhPerbaikan, predicates: [.butuhPerbaikan, .butuhPerbaikan, .baik])
        #expect(three.satisfied)  // 2 of 3 = 66.7 % ≥ 60 %; 0 Sangat Baik
    }

    @Test func kurangAndSangatKurang() {
        #expect(DistributionCurve.evaluate(unit: .kurang, predicates: units([(.kurang, 6), (.butuhPerbaikan, 1), (.baik, 2), (.sangatBaik, 1)])).satisfied)
        let k = DistributionCurve.evaluate(unit: .kurang, predicates: units([(.kurang, 5), (.baik, 5)]))
        #expect(k.violations.count == 2)
        #expect(k.minimumChanges == 2)
        // A unit of 1 or 2 cannot hold ≥ 60 % Kurang and ≥ 10 % Butuh Perbaikan: reported as impossible.
        #expect(DistributionCurve.evaluate(unit: .kurang, predicates: [.kurang]).minimumChanges == nil)
        #expect(DistributionCurve.evaluate(unit: .kurang, predicates: [.kurang, .butuhPerbaikan]).minimumChanges == nil)
        #expect(DistributionCurve.evaluate(unit: .kurang, predicates: [.kurang, .kurang, .butuhPerbaikan]).satisfied)
        let sk = DistributionCurve.evaluate(unit: .sangatKurang, predicates: units([(.sangatKurang, 6), (.kurang, 1), (.butuhPerbaikan, 2), (.sangatBaik, 1)]))
        #expect(sk.violations == ["no Sangat Baik: 1 of 10"])
        #expect(sk.minimumChanges == 1)
        #expect(DistributionCurve.evaluate(unit: .sangatKurang, predicates: units([(.sangatKurang, 6), (.kurang, 1), (.butuhPerbaikan, 3)])).satisfied)
    }

    @Test func emptyUnitIsFine() {
        for u in UnitPredikat.allCases where u != .baik {
            #expect(DistributionCurve.evaluate(unit: u, predicates: []).satisfied, "\(u)")
        }
    }

    @Test func angkaKredit() {
        #expect(AngkaKredit.text(AngkaKredit.credit(.ahliPertama, .sangatBaik)) == "18.75")
        #expect(AngkaKredit.text(AngkaKredit.credit(.ahliMuda, .baik)) == "25.00")
        #expect(AngkaKredit.text(AngkaKredit.credit(.ahliMadya, .butuhPerbaikan)) == "28.13")  // 28.125
        #expect(AngkaKredit.text(AngkaKredit.credit(.pemula, .butuhPerbaikan)) == "2.81")  // 2.8125
        #expect(AngkaKredit.text(AngkaKredit.credit(.penyelia, .sangatKurang)) == "6.25")
        #expect(AngkaKredit.text(AngkaKredit.credit(.ahliUtama, .kurang)) == "25.00")
    }

    @Test func suggestions() {
        #expect(RatingSuggestion.suggest([.sesuai, .diAtas, .sesuai]) == .sesuai)
        #expect(RatingSuggestion.suggest([.sesuai, .diAtas]) == .diAtas)  // tie: the later period wins
        #expect(RatingSuggestion.suggest([.diAtas, .sesuai, .sesuai, .diAtas]) == .diAtas)
        #expect(RatingSuggestion.suggest([]) == nil)
    }
}
