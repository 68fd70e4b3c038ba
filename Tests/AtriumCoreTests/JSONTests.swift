import Testing
@testable import AtriumCore

@Suite("JSON parser and writer")
struct JSONTests {
    func parses(_ text: String) -> JSON? { try? JSON.parse(text) }

    @Test(arguments: [
        "null", "true", "false", "0", "-0", "12", "-3.5", "1e3", "1E-2", "\"\"", "[]", "{}",
        " [1, 2 ,3] ", "{\"a\":{\"b\":[null]}}", "\"\\u00e9\"", "\"\\ud83d\\ude00\"",
    ])
    func acceptsValidDocuments(_ text: String) {
        #expect(parses(text) != nil, "should parse: \(text)")
    }

    @Test(arguments: [
        "", " ", "nul", "tru", "01", "-", "1.", ".5", "1e", "+1", "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":1,}",
        "{a:1}", "'x'", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"a\u{01}b\"", "[1] x", "{} {}", "NaN",
        "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d\\u0041\"", "[",
    ])
    func rejectsInvalidDocuments(_ text: String) {
        #expect(parses(text) == nil, "should fail: \(text)")
    }

    @Test func escapesAndSurrogates() throws {
        #expect(try JSON.parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(try JSON.parse(#""\ud83d\ude00 \u0416""#) == .string("😀 Ж"))
        #expect(try JSON.parse("\"Привет 😀\"") == .string("Привет 😀"))
    }

    @Test func numbers() throws {
        #expect(try JSON.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSON.parse("-9223372036854775808") == .int(Int64.min))
        // Beyond Int64 it becomes a double rather than failing.
        #expect(try JSON.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try JSON.parse("5.0").intValue == 5)
        #expect(try JSON.parse("5.5").intValue == nil)
        #expect(try JSON.parse("1e2").intValue == 100)
        #expect(try JSON.parse("true").intValue == nil)
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(parses(ok) != nil)
        #expect(throws: JSONParseError.self) { try JSON.parse(tooDeep) }
        #expect(throws: JSONParseError.self) { try JSON.parse("[[[1]]]", maxDepth: 2) }
        #expect(try JSON.parse("[[1]]", maxDepth: 2) == [[1]])
    }

    @Test func errorsReportOffset() {
        do {
            _ = try JSON.parse("[1, x]")
            Issue.record("expected failure")
        } catch {
            #expect(error.offset == 4)  // typed throws: `error` is a JSONParseError
        }
    }

    @Test func objectsKeepOrderAndLastDuplicateWins() throws {
        let v = try JSON.parse(#"{"b":1,"a":2,"b":3}"#)
        #expect(v.objectValue?.keys == ["b", "a"])
        #expect(v["b"] == 3)
    }

    @Test func writerIsCompactAndEscapes() {
        let v: JSON = .object([("type", "x"), ("s", .string("q\"\\\n\t\u{01}é")), ("n", 1.5), ("i", 2.0), ("a", [true, nil])])
        let text = v.encodedString()
        #expect(text == #"{"type":"x","s":"q\"\\\n\t\u0001é","n":1.5,"i":2,"a":[true,null]}"#)
        #expect(!v.encoded().contains(0x0A))
    }

    @Test func roundTrip() throws {
        let values: [JSON] = [
            .object([("text", .string("line1\nline2 \u{2028} 😀 \"quoted\" \\ ")), ("seq", .int(Int64.max)),
                     ("neg", .int(-7)), ("d", .double(0.1)), ("tiny", .double(1e-7)), ("big", .double(1e300)),
                     ("nested", .array([.object([]), .array([]), .null, .bool(false)]))]),
            .string(String((0..<32).map { Character(Unicode.Scalar(UInt8($0))) })),
        ]
        for v in values {
            #expect(try JSON.parse(v.encoded()) == v)
        }
    }

    @Test func nonFiniteDoublesBecomeNull() {
        #expect(JSON.double(.infinity).encodedString() == "null")
        #expect(JSON.double(.nan).encodedString() == "null")
    }
}
