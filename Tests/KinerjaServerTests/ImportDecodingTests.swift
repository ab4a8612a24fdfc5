import Foundation
import KinerjaCore
import Testing

@testable import KinerjaServer

/// The fast readers of bulk imports (the SKP JSON scanner, the CSV byte reader) must read every document exactly as
/// the general readers do, and leave anything unusual to them.
@Suite struct ImportDecodingTests {
    static let period = try! PeriodID("2026")

    /// Decodes with the fast path and with the reporting path; both must agree.
    func bothWays(_ json: String, _ comment: Comment? = nil) throws -> (fast: SKPDecoding.Decoded, loose: SKPDecoding.Decoded) {
        let data = Data(json.utf8)
        let (fast, fastErrors) = SKPDecoding.decode(data, period: Self.period)
        let (loose, looseErrors) = SKPDecoding.decodeLoosely(data, period: Self.period)
        let f = try #require(fast, comment)
        let l = try #require(loose, comment)
        #expect(fastErrors.map(\.path) == looseErrors.map(\.path), comment)
        #expect(f.items.map(\.path) == l.items.map(\.path), comment)
        #expect(f.items.map(\.skp) == l.items.map(\.skp), comment)
        return (f, l)
    }

    @Test func scannerReadsWhatJSONSerializationReads() throws {
        let documents = [
            #"{"period":"2026","skp":[{"nip":"198001012005011001","rhk":[{"id":"R1","kind":"utama","text":"Layanan","indicators":[{"id":"I1","aspect":"kuantitas","text":"Jumlah","target":12,"unit":"dokumen"}]}]}]}"#,
            // Blanks everywhere, escapes of every kind, numbers with fractions and exponents, nulls.
            """
             { "skp" : [ { "nip" : " 198001012005011001 " , "rhk" : [ { "id" : "R1" , "text" : "Caf\\u00e9 \\"kopi\\"\\n\\t\\\\ \\/ \\ud83d\\ude00 é" ,
               "intervensi" : null , "indicators" : [ { "id" : "I1" , "aspect" : "KUALITAS" , "text" : "a" , "target" : 1.5e2 , "unit" : null ,
               "target_text" : "baik" , "direction" : "lower_is_better" } , { "id" : "I2" , "aspect" : "waktu" , "text" : "b" , "target" : 0.25 } ] } ] ,
               "lampiran" : { "dukungan_sumber_daya" : [ "Anggaran" , "SDM" ] , "konsekuensi" : null , "lain" : { "x" : [ 1 , true , false , null , "y" ] } } ,
               "perilaku" : { "berorientasi_pelayanan" : "Ramah" , "akuntabel" : "Jujur" } } ] , "period" : "2026" }
            """,
            #"{"period":"2026","skp":[]}"#,
            #"{"period":null,"skp":[{"nip":"1","rhk":null,"lampiran":null,"perilaku":null}]}"#,
            #"{"period":"2026","skp":[{"nip":"1","rhk":[{"id":"R1","kind":"tambahan","text":"t","indicators":[{"id":"I1","aspect":"biaya","text":"x","target":-3,"unit":"rupiah"}]}]}]}"#,
        ]
        for (k, json) in documents.enumerated() {
            let (fast, _) = try bothWays(json, "document \(k)")
            #expect(fast.decoder == "scanner", "document \(k)")
        }
        // Values come through intact.
        let (fast, _) = try bothWays(documents[1])
        let rhk = try #require(fast.items.first?.skp.rhk.first)
        #expect(rhk.text == "Café \"kopi\"\n\t\\ / 😀 é")
        #expect(rhk.indicators.map(\.target) == [150, 0.25])
        #expect(fast.items.first?.skp.lampiran.dukunganSumberDaya == ["Anggaran", "SDM"])
        #expect(fast.items.first?.skp.perilaku[.akuntabel] == "Jujur")
    }

    @Test func unusualDocumentsGoTheReportingWay() throws {
        let unusual = [
            #"{"period":"2026","period":"2027","skp":[]}"#,  // a key twice
            #"{"period":"2026","skp":[{"n\u0069p":"1","rhk":[]}]}"#,  // a key with an escape
            #"{"period":"2026","skp":[{"nip":"1","rhk":[],}]}"#,  // a trailing comma (not JSON)
            #"{"period":"2026","skp":[{"nip":1}]}"#,  // a number for a string
            #"{"period":"2026","skp":[{"nip":"1","rhk":[{"id":"R1","indicators":[{"target":"12"}]}]}]}"#,
            #"{"period":"2026","skp":[{"nip":"1"}]} x"#,  // text after the document
            #"{"period":"2026","skp":[{"nip":"1","extra":true}]}"#,  // an unknown key
            #"{"period":"2026","skp":[{"nip":"1","rhk":[{"id":"R1","indicators":[{"target":012}]}]}]}"#,  // a leading zero
        ]
        for (k, json) in unusual.enumerated() {
            let (decoded, errors) = SKPDecoding.decode(Data(json.utf8), period: nil)
            #expect(decoded == nil || decoded?.decoder == "loose", "document \(k)")
            if k == 1 { #expect(decoded?.items.first?.skp.nip == "1" && errors.isEmpty, "an escaped key is still read") }
            if k == 6 { #expect(errors.contains { $0.path.hasSuffix(".extra") }, "the unknown key is named") }
        }
        // Bytes that are not UTF-8 inside a string.
        var bytes = Array(#"{"period":"2026","skp":[{"nip":"1","rhk":[{"id":"R"#.utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array(#""}]}]}"#.utf8)
        let (decoded, errors) = SKPDecoding.decode(Data(bytes), period: nil)
        #expect(decoded == nil && errors.first?.path == "file")
    }

    @Test func bigDocumentsAreReadInParallelChunksAlike() throws {
        var json = #"{"period":"2026","skp":["#
        for i in 0..<6_000 {
            if i > 0 { json += i % 7 == 0 ? " ,\n " : "," }
            json += #"{"nip":"19800101200501\#(String(format: "%04d", i))","rhk":[{"id":"R1","kind":"utama","text":"Kegiatan \u00e9 \#(i)","#
            json +=
                #""indicators":[{"id":"I1","aspect":"kuantitas","text":"Jumlah dokumen yang cukup panjang untuk ukuran berkas \#(i)","target":\#(i % 13),"unit":"dokumen"}]}],"#
            json += #""lampiran":{"dukungan_sumber_daya":["Anggaran \"unit\""]},"perilaku":{"kolaboratif":"Bekerja sama"}}"#
        }
        json += "]}"
        #expect(json.utf8.count > 1 << 20)
        let (fast, _) = try bothWays(json)
        #expect(fast.decoder == "parallel")
        #expect(fast.items.count == 6_000)
        #expect(fast.items[4_321].path == "skp[4321] (198001012005014321)")
        // Elements the scanner cannot read go the reporting way on their own, and are named as the whole-document
        // reporting path names them: a wrong type in every 13th element, one element that is not JSON (a missing comma).
        let broken = json.replacingOccurrences(of: #""target":5,"#, with: #""target":"5","#)
        let (decoded, errors) = SKPDecoding.decode(Data(broken.utf8), period: nil)
        let (_, looseErrors) = SKPDecoding.decodeLoosely(Data(broken.utf8), period: nil)
        #expect(decoded?.decoder == "parallel")
        #expect(errors.count == 6_000 / 13 + 1 && errors.allSatisfy { $0.path.hasSuffix(".indicators[0].target") })
        #expect(errors.map(\.path) == looseErrors.map(\.path))
        #expect(errors.map(\.message) == looseErrors.map(\.message))
        let notJSON = json.replacingOccurrences(
            of:
                #""target":7,"unit":"dokumen"}]}],"lampiran":{"dukungan_sumber_daya":["Anggaran \"unit\""]},"perilaku":{"kolaboratif":"Bekerja sama"}},{"nip":"198001012005010008""#,
            with:
                #""target":7,"unit":"dokumen"}]}],"lampiran":{"dukungan_sumber_daya":["Anggaran \"unit\""]},"perilaku":{"kolaboratif":"Bekerja sama" "adaptif":"x"}},{"nip":"198001012005010008""#
        )
        #expect(notJSON != json)
        let (_, syntaxErrors) = SKPDecoding.decode(Data(notJSON.utf8), period: nil)
        #expect(syntaxErrors.map(\.path) == ["skp[7]"], "\(syntaxErrors)")
    }

    // MARK: CSV

    func general(_ text: String, _ delimiter: UnicodeScalar = ",") throws -> CSVTable {
        switch CSVDecoding.generalTable(text, delimiter: delimiter) {
        case .success(let t): return t
        case .failure(let f): throw f.errors.first ?? RowError(line: 0, message: "?")
        }
    }

    /// nil: irregular (left to CSV.swift).
    func fast(_ text: String, _ delimiter: UInt8 = 0x2C) throws -> CSVTable? {
        switch CSVDecoding.fastTable(Data(text.utf8), delimiter: delimiter) {
        case .none: return nil
        case .success(let t): return t
        case .failure(let f): throw f.errors.first ?? RowError(line: 0, message: "?")
        }
    }

    func same(_ a: CSVTable, _ b: CSVTable, _ comment: Comment) {
        #expect(a.header == b.header, comment)
        #expect(a.headerLine == b.headerLine, comment)
        #expect(a.records.map(\.line) == b.records.map(\.line), comment)
        #expect(a.records.map(\.fields) == b.records.map(\.fields), comment)
    }

    @Test func csvByteReaderReadsWhatCSVSwiftReads() throws {
        let files = [
            "nip,period,value\n1,2026-01,3\n2,2026-01,4\n",
            "nip,period,value\r\n1,2026-01,3\r\n2,2026-01,4",  // CRLF, no final line end
            "\n\nnip,text\n\n1,\"a, b\"\n2,\"she said \"\"hi\"\"\"\n\n3,\"two\nlines\"\n4,\n",  // blank lines, quotes
            " nip , text \n1,  padded  \n2,\"\"\n",
            "nip,text,note\n1,,\n2,x,\n",
            "nip;text\n1;a,b\n2;\"c;d\"\n",
        ]
        for (k, text) in files.enumerated() {
            let delimiter: UInt8 = text.contains(";") ? 0x3B : 0x2C
            let f = try #require(try fast(text, delimiter), "file \(k)")
            same(f, try general(text, UnicodeScalar(delimiter)), "file \(k)")
        }
        let quoted = try #require(try fast(files[2]))
        #expect(quoted.headerLine == 3)
        #expect(quoted.records.map(\.fields) == [["1", "a, b"], ["2", "she said \"hi\""], ["3", "two\nlines"], ["4", ""]])
        #expect(quoted.records.map(\.line) == [5, 6, 8, 10])
    }

    @Test func irregularCSVIsLeftToCSVSwift() throws {
        for text in ["a,b\n1,x\"y\n", "a,b\n1,\"x\"y\n", "a,b\r1,2\r"] {
            #expect(try fast(text) == nil, "\(text)")
            // …and the whole decoder still reads it (CSV.swift's way) or names the problem.
            switch CSVDecoding.decode(Data(text.utf8)) {
            case .success(let d): #expect(!d.table.header.isEmpty)
            case .failure(let f): #expect(!f.errors.isEmpty)
            }
        }
        if case .failure(let f) = CSVDecoding.decode(Data([0x61, 0x2C, 0x62, 0x0A, 0xC3, 0x28, 0x0A])) {
            #expect(f.errors.first?.message.contains("not UTF-8") == true)
        } else {
            Issue.record("bytes that are not UTF-8 must be refused")
        }
    }
}
