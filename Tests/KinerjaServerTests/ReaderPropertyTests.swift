import Foundation
import KinerjaCore
import PropertyBased
import Testing

@testable import KinerjaServer

/// The readers of uploaded files (CSV, the SKP JSON, TOML) never trap on random or mutated input, bound their nesting,
/// and read back what they accept.
@Suite struct ReaderPropertyTests {
    static let csvBytes = Gen.element(of: Array("ab,;\"\n\r 1\u{00}".utf8) + [0xC3, 0xA9, 0xFF, 0xEF, 0xBB, 0xBF]).array(of: 0...200)

    @Test func csvNeverTrapsAndEncodedTablesReadBack() async {
        await propertyCheck(count: 2_000, input: Self.csvBytes) { bytes in
            _ = CSVDecoding.decode(Data(bytes.compactMap { $0 }))
        }
        let field = Gen.element(of: Array("ab,\"\n x;é".unicodeScalars).map(Character.init)).map { $0 ?? "a" }.string(of: 0...8)
        await propertyCheck(count: 1_000, input: field.array(of: 1...4).array(of: 1...6)) { rows in
            let width = rows.map(\.count).max() ?? 1
            let header = (0..<width).map { "c\($0)" }
            let padded = rows.map { $0 + Array(repeating: "", count: width - $0.count) }
            guard case .success(let decoded) = CSVDecoding.decode(CSVDecoding.encode(header: header, rows: padded)) else {
                Issue.record("an encoded table did not read back: \(padded)")
                return
            }
            #expect(decoded.table.header == header)
            // Every row reads back field for field (a one-column row of blanks is a blank line, skipped), with a BOM
            // or without: the fields are offsets into the upload, past the BOM.
            let expected = padded.filter { width > 1 || !$0[0].trimmingCharacters(in: .whitespaces).isEmpty }
            #expect(decoded.table.records.map(\.fields) == expected)
            let withBOM = Data([0xEF, 0xBB, 0xBF]) + CSVDecoding.encode(header: header, rows: padded)
            if case .success(let again) = CSVDecoding.decode(withBOM) {
                #expect(again.table.records.map(\.fields) == expected)
                #expect(again.table.records.map(\.line) == decoded.table.records.map(\.line))
            } else {
                Issue.record("the table with a BOM did not read back: \(padded)")
            }
        }
    }

    static let jsonBytes = Gen.element(of: Array("{}[]\":,0123456789.eE-truefalsnul skpnip\\u".utf8)).array(of: 0...300)

    @Test func skpReadersNeverTrapOnRandomAndMutatedDocuments() async {
        await propertyCheck(count: 2_000, input: Self.jsonBytes) { bytes in
            _ = SKPDecoding.decode(Data(bytes.compactMap { $0 }), period: try? PeriodID("2026"))
        }
        let valid = Array(
            #"{"period":"2026","skp":[{"nip":"198001012005011001","rhk":[{"id":"R1","kind":"utama","text":"t","indicators":[{"id":"I1","aspect":"kuantitas","text":"x","target":12,"unit":"u"}]}],"lampiran":{"konsekuensi":["a"],"x":[[1,{"y":null}]]},"perilaku":{"akuntabel":"b"}}]}"#
                .utf8)
        let mutation = zip(Gen.int(in: 0..<valid.count), Gen.element(of: Array("{}[]\",:0e-\\x".utf8)), Gen.int(in: 0...2))
        await propertyCheck(count: 2_000, input: mutation.array(of: 1...4)) { edits in
            var bytes = valid
            for (at, byte, kind) in edits where at < bytes.count {
                guard let byte else { continue }
                switch kind {
                case 0: bytes[at] = byte
                case 1: bytes.insert(byte, at: at)
                default: bytes.remove(at: at)
                }
            }
            _ = SKPDecoding.decode(Data(bytes), period: nil)
        }
    }

    @Test func nestingIsBoundedWithoutRecursion() {
        for depth in [1, 59, 60, 61, 64, 65, 1_000, 100_000] {
            let doc =
                #"{"period":"2026","skp":[{"nip":"198001012005011001","lampiran":{"x":"# + String(repeating: "[", count: depth)
                + String(repeating: "]", count: depth) + "}}]}"
            let (decoded, errors) = SKPDecoding.decode(Data(doc.utf8), period: nil)
            // The lampiran's own object, the skp array, its element and the root come on top of the depth.
            if depth + 4 > JSONDepth.limit {
                #expect(errors.contains { $0.message.contains("deeper than \(JSONDepth.limit)") }, "\(depth): \(errors)")
            } else {
                #expect(decoded != nil, "\(depth): \(errors)")
            }
        }
        let deep = String(repeating: "[", count: 200_000)
        #expect(JSONDepth.check(Data(deep.utf8)) != nil)
    }

    @Test func tomlNeverTrapsAndBoundsNesting() async {
        await propertyCheck(count: 2_000, input: Gen.element(of: Array("[]{}=\"' a.b1\n#,".utf8)).array(of: 0...120)) { bytes in
            _ = try? TOMLParser.parse(String(decoding: bytes.compactMap { $0 }, as: UTF8.self))
        }
        let deep = "a = " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n"
        #expect(throws: (any Error).self) { try TOMLParser.parse(deep) }
    }
}

@Suite struct ImportErrorPlaceTests {
    @Test func emptyTruncatedAndNonUTF8FilesNameThePlace() {
        let (_, empty) = SKPDecoding.decode(Data(), period: nil)
        #expect(empty.first?.message.contains("empty") == true)
        let (_, truncated) = SKPDecoding.decode(Data(#"{"period":"2026","skp":[{"nip":"1","rhk":["#.utf8), period: nil)
        #expect(truncated.first?.message.contains("ends at byte offset 42") == true, "\(truncated)")
        var bytes = Array(#"{"period":"2026","skp":[{"nip":"1""#.utf8)
        bytes.insert(0xFF, at: 30)
        let (_, invalid) = SKPDecoding.decode(Data(bytes + Array("}]}".utf8)), period: nil)
        #expect(invalid.first?.message.contains("byte offset 30") == true, "\(invalid)")
        if case .failure(let f) = CSVDecoding.decode(Data([0x61, 0x0A, 0xFF, 0x0A])) {
            #expect(f.errors.first?.line == 2, "\(f.errors)")
        } else {
            Issue.record("invalid UTF-8 CSV was accepted")
        }
        if case .failure(let f) = CSVDecoding.decode(Data()) {
            #expect(f.errors.first?.message.isEmpty == false)
        } else {
            Issue.record("an empty CSV was accepted")
        }
    }
}
