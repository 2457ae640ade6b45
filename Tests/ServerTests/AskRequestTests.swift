import Channels
import Foundation
import Testing

@testable import Server

/// `AskRequest.parse` reads the `POST /v1/ask` body `{"text": "…", "user": "…"}`: one JSON
/// object, read strictly by RFC 8259, whose `text` and `user` are strings or null. The last
/// section holds it to what `JSONDecoder` answered for the same bodies before it replaced it.
struct AskRequestTests {
    static func parse(_ body: String) throws(AskRequestError) -> AskRequest {
        try AskRequest.parse(Data(body.utf8))
    }

    /// The refusal's message, or `nil` when the body was read.
    static func refusal(_ body: [UInt8]) -> String? {
        do {
            _ = try AskRequest.parse(body)
            return nil
        } catch {
            return error.description
        }
    }

    static func refusal(_ body: String) -> String? { refusal(Array(body.utf8)) }

    // MARK: Reading

    @Test func readsTheQuestionAndTheUser() throws {
        #expect(
            try Self.parse(#"{"text": "新认定的高企能拿多少钱", "user": "u-1"}"#) == AskRequest(text: "新认定的高企能拿多少钱", user: "u-1"))
        #expect(try Self.parse(#"{"user":"u-1","text":""}"#) == AskRequest(text: "", user: "u-1"))
    }

    @Test func bothMembersAreOptionalAndNullReadsAsAbsent() throws {
        #expect(try Self.parse("{}") == AskRequest(text: nil, user: nil))
        #expect(try Self.parse(#"{"text":null,"user":null}"#) == AskRequest(text: nil, user: nil))
        #expect(try Self.parse(#"{"user":"u"}"#) == AskRequest(text: nil, user: "u"))
    }

    @Test func escapesAreDecoded() throws {
        #expect(try Self.parse(#"{"text":"\"\\\/\b\f\n\r\t"}"#).text == "\"\\/\u{8}\u{C}\n\r\t")
        #expect(try Self.parse(#"{"text":"\u00e9\u4E2D\u0041\u0000"}"#).text == "é中A\u{0}")
        #expect(try Self.parse(#"{"text":"a\ud83d\ude00b\uD83D\uDE00"}"#).text == "a😀b😀")
        #expect(try Self.parse(#"{"text":"\udbff\udfff"}"#).text == "\u{10FFFF}")
    }

    @Test func keysAreMatchedAfterTheirEscapesAndCaseMatters() throws {
        #expect(try Self.parse(#"{"te\u0078t":"a","\u0075ser":"b"}"#) == AskRequest(text: "a", user: "b"))
        #expect(try Self.parse(#"{"Text":"a","USER":"b","text ":"c"}"#) == AskRequest(text: nil, user: nil))
    }

    @Test func otherMembersAreCheckedAndSkippedWhateverTheyHold() throws {
        let body = """
            {"lang": "zh", "n": [0, -0, 1.5, -2.5e+3, 1E-7, 12345678901234567890123, 1e999999],
             "flags": [true, false, null, [], {}], "nested": {"text": 1, "user": [{"text": "no"}], "e": "\\u4E2D\\n"},
             "text": "yes", "after": {"a": [[[["deep"]]]]}}
            """
        #expect(try Self.parse(body) == AskRequest(text: "yes", user: nil))
    }

    /// `JSONDecoder` kept the first of repeated keys (not the last, as one might expect); the
    /// later ones must still be valid JSON but their type does not matter.
    @Test func aRepeatedMemberKeepsItsFirstValue() throws {
        #expect(try Self.parse(#"{"text":"a","text":"b"}"#).text == "a")
        #expect(try Self.parse(#"{"text":null,"text":"b"}"#).text == nil)
        #expect(try Self.parse(#"{"text":"a","text":1,"user":"u","user":[]}"#) == AskRequest(text: "a", user: "u"))
        #expect(Self.refusal(#"{"text":1,"text":"b"}"#) == "`text` must be a string, found a number")
        #expect(Self.refusal(#"{"text":"a","text":"\x"}"#) == "invalid escape 'x' after '\\' at byte 20")
    }

    @Test func whitespaceAroundTokensAndAByteOrderMarkAreAllowed() throws {
        #expect(
            try Self.parse(" \t\r\n{ \"text\" :\n\"a\" ,\r\n\t\"user\" : null }\n ") == AskRequest(text: "a", user: nil)
        )
        #expect(try AskRequest.parse([0xEF, 0xBB, 0xBF] + Array(#"{"text":"a"}"#.utf8)).text == "a")
    }

    @Test func anyCollectionOfBytesCanBeRead() throws {
        let body = Array(#"{"text":"a","user":"b"}"#.utf8)
        #expect(try AskRequest.parse(body) == AskRequest(text: "a", user: "b"))
        #expect(try AskRequest.parse(body[...]) == AskRequest(text: "a", user: "b"))
        // Without contiguous storage the bytes are copied first.
        #expect(try AskRequest.parse(body.lazy.map { $0 }) == AskRequest(text: "a", user: "b"))
    }

    // MARK: Refusals

    @Test(
        arguments: [
            ("", "expected a JSON object at byte 0, found the end of the body"),
            (" \n", "expected a JSON object at byte 2, found the end of the body"),
            ("[\"text\"]", "expected a JSON object at byte 0, found an array"),
            ("\"text\"", "expected a JSON object at byte 0, found a string"),
            ("42", "expected a JSON object at byte 0, found a number"),
            ("null", "expected a JSON object at byte 0, found null"),
            ("true", "expected a JSON object at byte 0, found a boolean"),
            ("<xml/>", "expected a JSON object at byte 0, found '<'"),
            ("text=hello", "expected a JSON object at byte 0, found 't'"),
            ("{", "expected a key in double quotes at byte 1, found the end of the body"),
            ("{text:\"a\"}", "expected a key in double quotes at byte 1, found 't'"),
            ("{'text':\"a\"}", "expected a key in double quotes at byte 1, found \"'\""),
            ("{,\"text\":\"a\"}", "expected a key in double quotes at byte 1, found ','"),
            ("{\"text\"", "expected ':' after the key at byte 7, found the end of the body"),
            ("{\"text\" \"a\"}", "expected ':' after the key at byte 8, found '\"'"),
            ("{\"text\":", "expected a value at byte 8, found the end of the body"),
            ("{\"text\":}", "expected a value at byte 8, found '}'"),
            ("{\"text\":'a'}", "expected a value at byte 8, found \"'\""),
            ("{\"text\":\"a\"", "expected ',' or '}' after a member at byte 11, found the end of the body"),
            ("{\"text\":\"a\" \"user\":\"b\"}", "expected ',' or '}' after a member at byte 12, found '\"'"),
            ("{\"text\":\"a\",}", "expected a key in double quotes at byte 12, found '}'"),
            ("{\"text\":\"a\",,\"x\":1}", "expected a key in double quotes at byte 12, found ','"),
            ("{\"text\":\"a\"}x", "expected the end of the body after the object at byte 12, found 'x'"),
            ("{\"text\":\"a\"}{}", "expected the end of the body after the object at byte 12, found '{'"),
            ("{\"text\":\"a\"} // why", "expected the end of the body after the object at byte 13, found '/'"),
            ("{\"text\":\"a\"}\u{C}", "expected the end of the body after the object at byte 12, found U+000C"),
            ("{\"text\":\"a\"}\u{A0}", "expected the end of the body after the object at byte 12, found U+00A0"),
            ("{\"text\":\"a\",\"x\":新}", "expected a value at byte 16, found '新'"),
            ("{\"text\":\"a\",\"x\":NaN}", "expected a value at byte 16, found 'N'"),
            ("{\"text\":\"a\",\"x\":+1}", "expected a value at byte 16, found '+'"),
            ("{\"text\":\"a\",\"x\":.5}", "expected a value at byte 16, found '.'"),
            ("{\"text\":\"a\",\"x\":tru}", "expected true at byte 16"),
            ("{\"text\":\"a\",\"x\":nul}", "expected null at byte 16"),
            ("{\"text\":\"a\",\"x\":falsy}", "expected false at byte 16"),
            ("{\"text\":\"a\",\"x\":truex}", "expected ',' or '}' after a member at byte 20, found 'x'"),
            ("{\"text\":\"a\",\"x\":01}", "a number may not have a leading zero, at byte 16"),
            ("{\"text\":\"a\",\"x\":-01}", "a number may not have a leading zero, at byte 17"),
            ("{\"text\":\"a\",\"x\":-}", "expected a digit at byte 17, found '}'"),
            ("{\"text\":\"a\",\"x\":1.}", "expected a digit after the decimal point at byte 18, found '}'"),
            ("{\"text\":\"a\",\"x\":1.e5}", "expected a digit after the decimal point at byte 18, found 'e'"),
            ("{\"text\":\"a\",\"x\":1e}", "expected a digit in the exponent at byte 18, found '}'"),
            ("{\"text\":\"a\",\"x\":1e+}", "expected a digit in the exponent at byte 19, found '}'"),
            ("{\"text\":\"a\",\"x\":0x10}", "expected ',' or '}' after a member at byte 17, found 'x'"),
            ("{\"text\":\"a\",\"x\":1.2.3}", "expected ',' or '}' after a member at byte 19, found '.'"),
            ("{\"text\":\"a\",\"x\":[}", "expected a value at byte 17, found '}'"),
            ("{\"text\":\"a\",\"x\":[1,]}", "expected a value at byte 19, found ']'"),
            ("{\"text\":\"a\",\"x\":[,1]}", "expected a value at byte 17, found ','"),
            ("{\"text\":\"a\",\"x\":[1 2]}", "expected ',' or ']' after an element at byte 19, found '2'"),
            ("{\"text\":\"a\",\"x\":[1}", "expected ',' or ']' after an element at byte 18, found '}'"),
            ("{\"text\":\"a\",\"x\":{\"y\":1,}}", "expected a key in double quotes at byte 23, found '}'"),
            ("{\"text\":\"a\",\"x\":{\"y\" 1}}", "expected ':' after the key at byte 21, found '1'"),
            ("{\"text\":\"a\",\"x\":{1:2}}", "expected a key in double quotes at byte 17, found '1'"),
            ("{\"text\":\"a\",\"x\":{\"y\":1]}", "expected ',' or '}' after a member at byte 22, found ']'"),
            ("{\"text\":\"a\",\"x\":[", "expected a value at byte 17, found the end of the body"),
            (
                "{\"text\":\"a\",\"x\":{\"y\":1",
                "expected ',' or '}' after a member at byte 22, found the end of the body"
            ),
            ("{\"text\":\"a", "unterminated string starting at byte 8"),
            ("{\"text\":\"a\\\"}", "unterminated string starting at byte 8"),
            ("{\"text\":\"a\\", "unterminated escape at byte 10"),
            ("{\"text\":\"\\a\"}", "invalid escape 'a' after '\\' at byte 9"),
            ("{\"text\":\"\\'\"}", "invalid escape \"'\" after '\\' at byte 9"),
            ("{\"text\":\"\\U0041\"}", "invalid escape 'U' after '\\' at byte 9"),
            ("{\"text\":\"\\u12\"}", "expected four hex digits after '\\u' at byte 9"),
            ("{\"text\":\"\\u12G4\"}", "expected four hex digits after '\\u' at byte 9"),
            ("{\"text\":\"\\ud83d\"}", "unpaired surrogate '\\uD83D' at byte 9"),
            ("{\"text\":\"\\ud83dx\"}", "unpaired surrogate '\\uD83D' at byte 9"),
            ("{\"text\":\"\\ud83d\\u0041\"}", "unpaired surrogate '\\uD83D' at byte 9"),
            ("{\"text\":\"\\ud83d\\ud83d\"}", "unpaired surrogate '\\uD83D' at byte 9"),
            ("{\"text\":\"\\ud83d\\uZZZZ\"}", "expected four hex digits after '\\u' at byte 15"),
            ("{\"text\":\"\\ude00\"}", "unpaired surrogate '\\uDE00' at byte 9"),
            ("{\"text\":\"a\nb\"}", "control character 0x0A must be escaped in a string, at byte 10"),
            ("{\"text\":\"a\tb\"}", "control character 0x09 must be escaped in a string, at byte 10"),
            ("{\"text\":\"a\u{0}b\"}", "control character 0x00 must be escaped in a string, at byte 10"),
            ("{\"te\u{1F}xt\":\"a\"}", "control character 0x1F must be escaped in a string, at byte 4"),
        ] as [(String, String)])
    func aBodyThatIsNotJSONIsRefusedSayingWhereAndWhatWasExpected(_ body: String, _ message: String) {
        #expect(Self.refusal(body) == message)
    }

    @Test(
        arguments: [
            ([0xFF], "a byte that is never UTF-8"),
            ([0xC2], "a truncated sequence"),
            ([0xE4, 0xB8], "a truncated Chinese character"),
            ([0xC0, 0xBC], "an overlong <"),
            ([0xED, 0xA0, 0x80], "an encoded surrogate"),
            ([0xF4, 0x90, 0x80, 0x80], "a scalar beyond U+10FFFF"),
            ([0x80], "a lone continuation byte"),
        ] as [([UInt8], String)])
    func invalidUTF8IsRefusedInEveryString(_ sequence: [UInt8], _ why: String) {
        let places: [(String, String)] = [
            (#"{"text":""#, #""}"#), (#"{"user":""#, #"","text":"a"}"#), (#"{"text":"a","x":""#, #""}"#),
            (#"{""#, #"":1,"text":"a"}"#), (#"{"text":"a","x":[{"y":""#, #""}]}"#),
        ]
        for (before, after) in places {
            let body = Array(before.utf8) + sequence + Array(after.utf8)
            #expect(Self.refusal(body) == "invalid UTF-8 at byte \(before.utf8.count)", "\(why) after \(before)")
        }
        #expect(
            Self.refusal(sequence + Array(#"{"text":"a"}"#.utf8))
                == "expected a JSON object at byte 0, found byte \(String(format: "0x%02X", sequence[0]))")
    }

    @Test func aMemberOfTheWrongTypeIsNamedWithWhatWasFound() {
        #expect(Self.refusal(#"{"text": 42}"#) == "`text` must be a string, found a number")
        #expect(Self.refusal(#"{"text": true}"#) == "`text` must be a string, found a boolean")
        #expect(Self.refusal(#"{"text": ["a"]}"#) == "`text` must be a string, found an array")
        #expect(Self.refusal(#"{"text": {"text": "a"}}"#) == "`text` must be a string, found an object")
        #expect(Self.refusal(#"{"text": "a", "user": 7}"#) == "`user` must be a string, found a number")
        #expect(Self.refusal(#"{"user": false}"#) == "`user` must be a string, found a boolean")
    }

    /// As with `JSONDecoder`, the body is read whole before members are typed: a syntax error
    /// anywhere wins, and `text` is blamed before `user`.
    @Test func aSyntaxErrorOutranksATypeErrorAndTextIsBlamedFirst() {
        #expect(Self.refusal(#"{"text": 1, "x": }"#) == "expected a value at byte 17, found '}'")
        #expect(Self.refusal(#"{"user": [], "text": {}}"#) == "`text` must be a string, found an object")
    }

    /// The deepest nesting `JSONDecoder` accepted is 512 levels, the body's object included;
    /// nesting is tracked on the heap, so deeper bodies are refused, never a stack overflow.
    @Test func nestingIsLimitedTo512Levels() throws {
        func body(depth: Int) -> String {
            #"{"text":"a","x":"# + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1)
                + "}"
        }
        #expect(try Self.parse(body(depth: 512)).text == "a")
        #expect(Self.refusal(body(depth: 513)) == "nesting deeper than 512 levels at byte 527")
        let objects =
            #"{"text":"a","x":"# + String(repeating: #"{"a":"#, count: 511) + "1" + String(repeating: "}", count: 512)
        #expect(try Self.parse(objects).text == "a")
        #expect(
            Self.refusal(#"{"x":"# + String(repeating: "[", count: 1_000_000))
                == "nesting deeper than 512 levels at byte 516")
        #expect(Self.refusal(String(repeating: "[", count: 1_000_000)) == "expected a JSON object at byte 0, found '['")
        #expect(try Self.parse(#"{"text":""# + String(repeating: "[", count: 10_000) + #""}"#).text?.count == 10_000)
    }

    /// `JSONDecoder` checked only the values it decoded, so it accepted these; RFC 8259 does not.
    @Test(arguments: [
        #"{"text":"a",}"#,
        #"{"text":"a","x":[1,]}"#,
        #"{"text":"a","x":{"y":1,}}"#,
        #"{"text":"a","x":01}"#,
        #"{"text":"a","x":1.}"#,
        #"{"text":"a","x":-}"#,
        #"{"text":"a","x":1e}"#,
        #"{"text":"a","x":--1}"#,
        #"{"text":"a","x":1-2}"#,
        #"{"text":"a","x":"\a"}"#,
        #"{"text":"a","x":"\uZZZZ"}"#,
        #"{"text":"a","x":"\ud83d"}"#,
        "{\"text\":\"a\",\"x\":\"a\tb\"}",
        #"{"text":"a","x":{"\ude00":1}}"#,
    ])
    func whatJSONDecoderOverlookedInOtherMembersIsRefused(_ body: String) {
        #expect(Self.refusal(body) != nil)
        #expect(JSONDecoderOracle.answer(Array(body.utf8)) == .read(text: "a", user: nil))
    }

    /// RFC 8259 requires UTF-8; `JSONDecoder` also guessed UTF-16 and UTF-32.
    @Test func aBodyInUTF16IsRefused() {
        let utf16: [UInt8] = [0xFE, 0xFF] + #"{"text":"a"}"#.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(Self.refusal(utf16) == "expected a JSON object at byte 0, found byte 0xFE")
        #expect(JSONDecoderOracle.answer(utf16) == .read(text: "a", user: nil))
    }

    // MARK: Robustness

    static let sample = Array(#"{"text":"新认定\n\u4E2D\ud83d\ude00","user":null,"x":[1,-2.5e3,{"y":true}]}"#.utf8)

    @Test func everyTruncationOfABodyIsRefused() throws {
        #expect(try AskRequest.parse(Self.sample).text == "新认定\n中😀")
        for length in 0..<Self.sample.count {
            #expect(Self.refusal(Array(Self.sample.prefix(length))) != nil, "accepted the first \(length) bytes")
        }
    }

    @Test func everySingleByteChangeIsAnsweredWithoutCrashing() {
        var answered = 0
        for position in Self.sample.indices {
            for replacement: UInt8 in [
                0x00, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x75, 0x30, 0x2D, 0xFF, 0xE4,
            ] {
                var changed = Self.sample
                changed[position] = replacement
                _ = Self.refusal(changed)
                changed.remove(at: position)
                _ = Self.refusal(changed)
                answered += 2
            }
        }
        #expect(answered == Self.sample.count * 28)
    }

    // MARK: Against JSONDecoder

    /// Bodies for which the reader must answer as `JSONDecoder` did: the same `text` and
    /// `user`, or a refusal blaming the same member. Left out, each with its own test above:
    /// what JSONDecoder overlooked in members it did not decode, and UTF-16 bodies.
    static let differentialCorpus: [String] = [
        // Read.
        #"{"text":"新认定的高企能拿多少钱","user":"u-1"}"#,
        #"{"text": "规上企业", "user": ""}"#,
        #"{"text":"a"}"#,
        "{}",
        #"{"text":null,"user":null}"#,
        #"{"user":"u"}"#,
        #"{"text":"\"\\\/\b\f\n\r\t"}"#,
        #"{"text":"\u00e9\u4E2D\u0000"}"#,
        #"{"text":"\ud83d\ude00\uD83D\uDE00"}"#,
        #"{"te\u0078t":"a","\u0075ser":"b"}"#,
        #"{"Text":"a","USER":"b"}"#,
        #"{"text":"a","text":"b"}"#,
        #"{"text":null,"text":"b"}"#,
        #"{"text":"a","text":1}"#,
        #"{"text":"a","user":"u1","user":["u2"]}"#,
        #"{"lang":"zh","n":[0,-0,1.5,-2.5e+3,1E-7,12345678901234567890123],"b":[true,false,null,[],{}],"text":"yes"}"#,
        #"{"nested":{"text":1,"user":[{"text":"no"}]},"text":"yes"}"#,
        " \t\r\n{ \"text\" :\n\"a\" ,\r\n\t\"user\" : null }\n ",
        "\u{FEFF}{\"text\":\"a\"}",
        #"{"text":"a","x":"# + String(repeating: "[", count: 511) + String(repeating: "]", count: 511) + "}",
        // Refused for their syntax.
        "",
        "   ",
        "not json at all",
        #"{"text": "新认定的高企"#,
        #"["text"]"#,
        #""text""#,
        "42",
        "null",
        #"{"text" "a"}"#,
        #"{text:"a"}"#,
        #"{'text':'a'}"#,
        #"{,"text":"a"}"#,
        #"{"text":"a" "user":"b"}"#,
        #"{"text":"a"}x"#,
        #"{"text":"a"}{"text":"b"}"#,
        #"{"text":"a","x":[1 2]}"#,
        #"{"text":"a","x":[1,,2]}"#,
        #"{"text":"a","x":{"y":}}"#,
        #"{"text":"a","x":tru}"#,
        #"{"text":"a","x":NaN}"#,
        #"{"text":"a","x":+1}"#,
        #"{"text":"\a"}"#,
        #"{"text":"\u12"}"#,
        #"{"text":"\ud83d"}"#,
        #"{"text":"\ude00x"}"#,
        "{\"text\":\"a\tb\"}",
        "{\"text\":\"a\"}\u{A0}",
        #"{"text":"a","x":"# + String(repeating: "[", count: 512) + String(repeating: "]", count: 512) + "}",
        // Refused for a member's type.
        #"{"text":42}"#,
        #"{"text":true}"#,
        #"{"text":[]}"#,
        #"{"text":{"text":"a"}}"#,
        #"{"text":"a","user":1}"#,
        #"{"text":1,"text":"b"}"#,
        #"{"user":false,"text":{}}"#,
    ]

    @Test(arguments: differentialCorpus)
    func theReaderAnswersAsJSONDecoderDid(_ body: String) {
        let expected = JSONDecoderOracle.answer(Array(body.utf8))
        let answer: JSONDecoderOracle.Answer
        do {
            let request = try Self.parse(body)
            answer = .read(text: request.text, user: request.user)
        } catch {
            let member = ["text", "user"].first { error.description.hasPrefix("`\($0)` must be a string") }
            answer = member.map { .wrongType(member: $0) } ?? .refused
        }
        #expect(answer == expected)
    }

    @Test func invalidUTF8InTheQuestionWasRefusedByJSONDecoderToo() {
        for sequence: [UInt8] in [[0xFF], [0xE4, 0xB8], [0xED, 0xA0, 0x80]] {
            let body = Array(#"{"text":""#.utf8) + sequence + Array(#""}"#.utf8)
            #expect(JSONDecoderOracle.answer(body) == .refused)
            #expect(Self.refusal(body) == "invalid UTF-8 at byte 9")
        }
    }
}

/// The code the controller had before: `JSONDecoder` and a `Decodable` struct.
enum JSONDecoderOracle {
    enum Answer: Equatable {
        case read(text: String?, user: String?)
        case wrongType(member: String)
        case refused
    }

    private struct Question: Decodable {
        var text: String?
        var user: String?
    }

    static func answer(_ body: [UInt8]) -> Answer {
        do {
            let question = try JSONDecoder().decode(Question.self, from: Data(body))
            return .read(text: question.text, user: question.user)
        } catch DecodingError.typeMismatch(_, let context) where !context.codingPath.isEmpty {
            return .wrongType(member: context.codingPath.map(\.stringValue).joined(separator: "."))
        } catch {
            return .refused
        }
    }
}
