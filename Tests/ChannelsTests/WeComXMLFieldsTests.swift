import Foundation
import Testing

@testable import Channels

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A document as bytes, so that invalid UTF-8 can be written down too, named by its text in
/// test reports.
struct XMLBytes: Sendable, CustomTestStringConvertible, ExpressibleByStringInterpolation {
    let bytes: [UInt8]

    init(stringLiteral text: String) { bytes = Array(text.utf8) }
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var testDescription: String { String(decoding: bytes, as: UTF8.self).debugDescription }
}

/// `WeComXMLFields` reads the text of each element directly below the root of a WeCom XML
/// document: strictly, as well-formed XML 1.0 in UTF-8, in one pass. The last section holds it
/// to what Foundation's `XMLParser` answered for the same documents before it replaced it.
struct WeComXMLFieldsTests {
    static let notWellFormed = ChannelError.malformed("the body is not well-formed XML")

    static func fields(_ document: XMLBytes) throws(ChannelError) -> [String: String] {
        try WeComXMLFields.parse(Data(document.bytes), what: "the body")
    }

    static func error(_ document: XMLBytes) -> ChannelError? {
        thrownError { () throws(ChannelError) in try fields(document) }
    }

    // MARK: What WeCom sends

    @Test func theEnvelopeOfAnEncryptedCallbackYieldsItsThreeFields() throws {
        let body: XMLBytes = """
            <xml><ToUserName><![CDATA[ww1a2b3c4d5e6f7a8b]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID>\
            <Encrypt><![CDATA[G247tPGBWMfoFcJIA131p/8gOwc++UcVxp0REaUFbrSZ==]]></Encrypt></xml>
            """
        #expect(
            try Self.fields(body) == [
                "ToUserName": "ww1a2b3c4d5e6f7a8b", "AgentID": "1000002",
                "Encrypt": "G247tPGBWMfoFcJIA131p/8gOwc++UcVxp0REaUFbrSZ==",
            ])
    }

    @Test func aDecryptedTextMessageKeepsCDATAVerbatimWhateverItHolds() throws {
        let message: XMLBytes = """
            <xml><ToUserName><![CDATA[ww1a2b3c4d5e6f7a8b]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>\
            <CreateTime>1732500001</CreateTime><MsgType><![CDATA[text]]></MsgType>\
            <Content><![CDATA[新认定的高企 ]] 能拿 <多少> 钱 & 税? a]]]]><![CDATA[>b]]></Content>\
            <MsgId>7441234567890123456</MsgId><AgentID>1000002</AgentID></xml>
            """
        let fields = try Self.fields(message)
        #expect(fields["Content"] == "新认定的高企 ]] 能拿 <多少> 钱 & 税? a]]>b")
        #expect(fields["CreateTime"] == "1732500001")
        #expect(fields.count == 7)
    }

    @Test func theVectorsReadAsTheVectorFileSays() throws {
        let inbound = Fixtures.vector("wecom.xml.inbound_text.ok", in: Fixtures.wecom)
        let body = try #require(inbound["input"]["body"].string)
        #expect(try Self.fields(XMLBytes(stringLiteral: body))["Encrypt"] == inbound["expected"]["encrypt"].string)

        let decrypted = try #require(inbound["expected"]["decrypted_xml"].string)
        let expected = inbound["expected"]["parsed"].object.mapValues { $0.string ?? $0.int.map { "\($0)" } ?? "?" }
        #expect(try Self.fields(XMLBytes(stringLiteral: decrypted)) == expected)

        // Tencent's own sample has no CDATA at all, and newlines between the envelope's fields.
        let sample = Fixtures.vector("wecom.official_sample.known_answer", in: Fixtures.wecom)
        let sampleBody = try #require(sample["input"]["inbound"]["body"].string)
        #expect(
            try Self.fields(XMLBytes(stringLiteral: sampleBody)).keys.sorted() == ["AgentID", "Encrypt", "ToUserName"])
        let sampleXML = try #require(sample["expected"]["decrypted_xml"].string)
        let sampleFields = try Self.fields(XMLBytes(stringLiteral: sampleXML))
        #expect(sampleFields["Content"] == "你好")
        #expect(sampleFields["FromUserName"] == "ChenJiaShun")
    }

    // MARK: Text of a field

    @Test func thePredefinedEntitiesAndCharacterReferencesAreReplaced() throws {
        let fields = try Self.fields(
            "<xml><A>&lt;b&gt; &amp; &apos;&quot;</A><B>&#65;&#x4E2D;&#20013;&#x1F600;&#0000065;</B></xml>")
        #expect(fields == ["A": "<b> & '\"", "B": "A中中😀A"])
    }

    @Test func textAndCDATAJoinInDocumentOrderAcrossCommentsAndInstructions() throws {
        let fields = try Self.fields(
            "<xml><A>a<![CDATA[<b>]]>c<!-- not text -->d<?pi not text?>e<?pi?><![CDATA[]]>f</A></xml>")
        #expect(fields == ["A": "a<b>cdef"])
    }

    @Test func whitespaceInsideAFieldIsKeptAndBetweenFieldsIsNotAField() throws {
        let fields = try Self.fields("<xml>\n  <A>  two spaces  </A>\n\t<B> </B>\n</xml>\n")
        #expect(fields == ["A": "  two spaces  ", "B": " "])
    }

    /// XML reads CR LF and a lone CR as LF everywhere, CDATA included (XML 1.0 §2.11); only
    /// `&#13;` is a CR. XMLParser on Linux kept CR inside CDATA, so this is not in the
    /// differential corpus.
    @Test func lineEndsReadAsLineFeedsButAReferencedCRStays() throws {
        let fields = try Self.fields("<xml><A>a\r\nb\rc\r</A><B><![CDATA[a\r\nb\rc]]></B><C>&#13;&#xD;\r\n</C></xml>")
        #expect(fields == ["A": "a\nb\nc\n", "B": "a\nb\nc", "C": "\r\r\n"])
    }

    @Test func theTextOfNestedElementsIsNotPartOfTheField() throws {
        let fields = try Self.fields("<xml><A>x<B>y<C>z</C></B>w</A><B>b</B><C><C>inner</C></C></xml>")
        #expect(fields == ["A": "xw", "B": "b", "C": ""])
    }

    @Test func theRootsOwnTextIsNotAField() throws {
        #expect(try Self.fields("<xml>loose text<A>v</A>more<![CDATA[and this]]></xml>") == ["A": "v"])
    }

    @Test func attributesAreAllowedAndIgnored() throws {
        let fields = try Self.fields(#"<xml a="1" b='2'><A c="&amp;&#60;>'" d = 'say "hi"'>v</A><B e="x" /></xml>"#)
        #expect(fields == ["A": "v", "B": ""])
    }

    @Test func aSelfClosingFieldIsEmpty() throws {
        #expect(try Self.fields("<xml><A/><B /><C></C></xml>") == ["A": "", "B": "", "C": ""])
        #expect(try Self.fields("<xml/>") == [:])
    }

    /// Names are bytes: case matters, any XML name character is allowed, and a colon is just a
    /// character (WeCom uses no namespaces, and XMLParser reported `x:y` the same way).
    @Test func namesAreComparedByteForByte() throws {
        let fields = try Self.fields("<xml><a>1</a><A>2</A><中文>3</中文><x:y>4</x:y><a-b.c_d·>5</a-b.c_d·></xml>")
        #expect(fields == ["a": "1", "A": "2", "中文": "3", "x:y": "4", "a-b.c_d·": "5"])
        #expect(Self.error("<xml><A>v</a></xml>") == Self.notWellFormed)
        #expect(Self.error("<xml><中文>v</中></xml>") == Self.notWellFormed)
    }

    @Test func theDeclarationAByteOrderMarkCommentsAndInstructionsMaySurroundTheRoot() throws {
        let documents: [XMLBytes] = [
            #"<?xml version="1.0"?><xml><A>v</A></xml>"#,
            "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<xml><A>v</A></xml>\r\n",
            "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?><xml><A>v</A></xml>",
            "<!-- before --><?pi data?>\n<xml><A>v</A></xml>\n<!-- after --><?pi?>\t",
        ]
        for document in documents {
            #expect(try Self.fields(document) == ["A": "v"], "\(document.testDescription)")
        }
    }

    // MARK: Refusals

    @Test func aRepeatedFieldIsRefusedNamingTheLastRepeatedName() {
        #expect(Self.error("<xml><A>v</A><A>w</A></xml>") == .malformed("the body has more than one <A> element"))
        #expect(
            Self.error("<xml><A>v</A><B/><A>w</A><B>z</B></xml>")
                == .malformed("the body has more than one <B> element"))
        #expect(
            Self.error("<xml><A>1</A><A><![CDATA[]]></A></xml>") == .malformed("the body has more than one <A> element")
        )
    }

    @Test func aRepeatedNameBelowAFieldIsNotARepeatedField() throws {
        #expect(try Self.fields("<xml><A><B/><B/></A><B>b</B></xml>") == ["A": "", "B": "b"])
    }

    @Test func aDocumentThatIsNotWellFormedIsReportedAsSuchEvenWithARepeatedField() {
        #expect(Self.error("<xml><A/><A/></xml><xml/>") == Self.notWellFormed)
        #expect(Self.error("<xml><A/><A/>") == Self.notWellFormed)
    }

    /// WeCom never sends a DTD, so one is refused wherever the bytes `<!DOCTYPE` or `<!doctype`
    /// appear, even where XML would read them as text, and before any other complaint.
    @Test(
        arguments: [
            #"<!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>"#,
            "<!doctype xml><xml/>",
            "<xml><A><![CDATA[<!DOCTYPE]]></A></xml>",
            "<xml><A><!-- <!doctype --></A></xml>",
            "<xml><?pi <!DOCTYPE?></xml>",
            "<xml/><!DOCTYPE xml>",
            "<xml><A></B><!DOCTYPE xml>",
            "<xml><A x='<!DOCTYPE'/></xml>",
            "<?xml version=\"1.0\" encoding=\"GBK\"?><!DOCTYPE xml><xml/>",
        ] as [XMLBytes])
    func aDTDIsRefusedWhereverItAppears(_ document: XMLBytes) {
        #expect(Self.error(document) == .malformed("the body contains a DTD"))
    }

    @Test func aDTDNeedsExactlyThoseBytes() throws {
        #expect(Self.error("<!DocType xml><xml/>") == Self.notWellFormed)
        #expect(try Self.fields("<xml><A><![CDATA[<!DOCTYP]]></A></xml>") == ["A": "<!DOCTYP"])
    }

    @Test(
        arguments: [
            ("", "empty input"),
            ("   \n", "only whitespace"),
            (#"<?xml version="1.0"?>"#, "only a declaration"),
            ("<!-- only a comment -->", "no root"),
            ("not xml", "text instead of a root"),
            ("<xml>", "unclosed root"),
            ("<xml><A>v", "unclosed field and root"),
            ("<xml><A>v</A>", "unclosed root after a field"),
            ("<xml><A>v</xml>", "mismatched end tag"),
            ("<x><A>1</A></y>", "mismatched end tag of the root"),
            ("<a><b></a></b>", "overlapping elements"),
            ("<xml><A></AB></xml>", "end tag longer than the start tag"),
            ("<xml><AB></A></xml>", "end tag shorter than the start tag"),
            ("<xml/><xml/>", "two roots"),
            ("<xml><A>v</A></xml>x", "text after the root"),
            ("<xml/></xml>", "an end tag after the root"),
            ("<xml/>&amp;", "a reference after the root"),
            ("<![CDATA[x]]><xml/>", "CDATA before the root"),
            ("<xml/><![CDATA[x]]>", "CDATA after the root"),
            ("<xml><A><![CDATA[abc</A></xml>", "unterminated CDATA"),
            ("<xml><A><![CDATA [x]]></A></xml>", "misspelt CDATA"),
            ("<xml><!-- unterminated</xml>", "unterminated comment"),
            ("<xml/><!-- unterminated", "unterminated comment after the root"),
            ("<xml><!-- a -- b --></xml>", "a double hyphen inside a comment"),
            ("<xml><!-- a ---></xml>", "a comment ending in a hyphen"),
            ("<xml><?pi unterminated</xml>", "unterminated processing instruction"),
            ("<xml><? pi?></xml>", "a processing instruction without a target"),
            ("<xml><?pi?x?></xml>", "a processing instruction target run into its data"),
            (#"<xml><A x="1>v</A></xml>"#, "unterminated attribute"),
            (#"<xml><A x='1">v</A></xml>"#, "mismatched attribute quotes"),
            ("<xml><A x=1>v</A></xml>", "unquoted attribute"),
            ("<xml><A x>v</A></xml>", "attribute without a value"),
            (#"<xml><A x="1"y="2">v</A></xml>"#, "attributes without space between them"),
            (#"<xml><A x="1" x="2">v</A></xml>"#, "a repeated attribute"),
            (#"<xml><A x="<">v</A></xml>"#, "< in an attribute"),
            (#"<xml><A x="&bogus;">v</A></xml>"#, "an unknown entity in an attribute"),
            ("<xml><A>a & b</A></xml>", "bare &"),
            ("<xml><A>&amp</A></xml>", "a reference without ;"),
            ("<xml><A>& amp;</A></xml>", "a space after &"),
            ("<xml><A>&nbsp;</A></xml>", "an entity only a DTD could declare"),
            ("<xml><A>&#;</A></xml>", "a character reference without digits"),
            ("<xml><A>&#x;</A></xml>", "a hex character reference without digits"),
            ("<xml><A>&#X41;</A></xml>", "an upper-case X in a character reference"),
            ("<xml><A>&#x41</A></xml>", "a character reference without ;"),
            ("<xml><A>&#0;</A></xml>", "a reference to NUL"),
            ("<xml><A>&#x1;</A></xml>", "a reference to a control character"),
            ("<xml><A>&#xD800;</A></xml>", "a reference to a surrogate"),
            ("<xml><A>&#xFFFE;</A></xml>", "a reference to a non-character"),
            ("<xml><A>&#x110000;</A></xml>", "a reference beyond Unicode"),
            ("<xml><A>&#99999999999999999999999;</A></xml>", "a reference that overflows"),
            ("<xml><A>a]]>b</A></xml>", "]]> in text"),
            ("<xml><A>\u{1}</A></xml>", "a control character in text"),
            ("<xml><A>\u{0}</A></xml>", "NUL in text"),
            ("<xml><A>\u{FFFF}</A></xml>", "a non-character in text"),
            ("<xml><A\u{0}>v</A></xml>", "NUL in a name"),
            ("<xml><1A>v</1A></xml>", "a name starting with a digit"),
            ("<xml><·A>v</·A></xml>", "a name starting with a middle dot"),
            ("<xml>< A>v</A></xml>", "space before a name"),
            ("<xml><A>v</ A></xml>", "space before an end tag's name"),
            ("<xml><A/ ></xml>", "space inside />"),
            ("<>", "an empty tag"),
            ("</xml>", "an end tag first"),
            ("<xml><A", "truncated in a start tag's name"),
            ("<xml><A x=", "truncated in an attribute"),
            ("<xml><A>v</A", "truncated in an end tag"),
            ("<xml><A>v</A></xml><", "a lone < after the root"),
            ("<xml><!ELEMENT x></xml>", "a declaration inside the root"),
            (#" <?xml version="1.0"?><xml/>"#, "a declaration after whitespace"),
            (#"<xml><?xml version="1.0"?></xml>"#, "a declaration inside the root"),
            (#"<?xml version="1.0"?><?xml version="1.0"?><xml/>"#, "two declarations"),
            ("<xml/><?XML x?>", "a processing instruction named XML"),
            ("<?xml?><xml/>", "a declaration without a version"),
            (#"<?xml encoding="UTF-8"?><xml/>"#, "a declaration without a version"),
            (#"<?xml version="2.0"?><xml/>"#, "an XML version that is not 1.x"),
            (#"<?xml version="1."?><xml/>"#, "a version without a minor number"),
            (#"<?xml version="1.0"encoding="UTF-8"?><xml/>"#, "no space before encoding"),
            (#"<?xml version="1.0" standalone="yes" encoding="UTF-8"?><xml/>"#, "declaration parts out of order"),
            (#"<?xml version="1.0" standalone="maybe"?><xml/>"#, "standalone that is neither yes nor no"),
            (#"<?xml version="1.0" foo="x"?><xml/>"#, "an unknown declaration part"),
            (#"<?xml version="1.0" encoding=""?><xml/>"#, "an empty encoding name"),
            (#"<?xml version="1.0">?><xml/>"#, "a declaration ending in >"),
            ("<xml/>\u{FEFF}", "a byte order mark after the root"),
            ("<xml/>\u{0}", "NUL after the root"),
        ] as [(XMLBytes, String)])
    func aDocumentThatIsNotWellFormedIsRefused(_ document: XMLBytes, _ why: String) {
        #expect(Self.error(document) == Self.notWellFormed, "\(why)")
    }

    @Test(
        arguments: [
            ([0xFF], "a byte that is never UTF-8"),
            ([0xC2], "a truncated sequence"),
            ([0xC0, 0x80], "an overlong NUL"),
            ([0xE0, 0x80, 0xBC], "an overlong <"),
            ([0xED, 0xA0, 0x80], "an encoded surrogate"),
            ([0xF4, 0x90, 0x80, 0x80], "a scalar beyond U+10FFFF"),
            ([0xF0, 0x9F, 0x98], "a truncated emoji"),
            ([0x80], "a lone continuation byte"),
        ] as [([UInt8], String)])
    func invalidUTF8IsRefusedWhereverItIs(_ sequence: [UInt8], _ why: String) {
        let places: [(String, String)] = [
            ("<xml><A>", "</A></xml>"), ("<xml><A><![CDATA[", "]]></A></xml>"), ("<xml><!-- ", " --></xml>"),
            ("<xml><?pi ", "?></xml>"), ("<xml><A x='", "'/></xml>"), ("<xml><A", "/></xml>"), ("<xml/><!--", "-->"),
        ]
        for (before, after) in places {
            let document = XMLBytes(Array(before.utf8) + sequence + Array(after.utf8))
            #expect(Self.error(document) == Self.notWellFormed, "\(why) in \(document.testDescription)")
        }
    }

    /// WeCom always sends UTF-8; other encodings would need transcoding the reader does not do.
    @Test func aDeclaredEncodingOtherThanUTF8IsRefused() {
        let refusal = ChannelError.malformed("the body declares an encoding other than UTF-8")
        for encoding in ["GBK", "ISO-8859-1", "UTF-16", "us-ascii"] {
            #expect(Self.error(#"<?xml version="1.0" encoding="\#(encoding)"?><xml/>"#) == refusal, "\(encoding)")
        }
        #expect(Self.error(XMLBytes([0xFE, 0xFF, 0, 0x3C, 0, 0x78, 0, 0x2F, 0, 0x3E])) == Self.notWellFormed)
    }

    // MARK: Robustness

    static let richMessage: XMLBytes = """
        <?xml version="1.0" encoding="UTF-8"?><xml a="1"><ToUserName><![CDATA[ww1]]></ToUserName>\
        <Content>新认定&amp;&#x4E2D;<![CDATA[ <b> ]]]]><B/><!-- c --><?p d?></Content><E x='y'/></xml>
        """

    @Test func everyTruncationOfAMessageIsRefused() throws {
        let bytes = Self.richMessage.bytes
        #expect(try Self.fields(Self.richMessage)["Content"] == "新认定&中 <b> ]]")
        for length in 0..<bytes.count {
            #expect(Self.error(XMLBytes(Array(bytes.prefix(length)))) != nil, "accepted the first \(length) bytes")
        }
    }

    @Test func everySingleByteChangeOfAMessageIsAnsweredWithoutCrashing() {
        let bytes = Self.richMessage.bytes
        var answered = 0
        for position in bytes.indices {
            for replacement: UInt8 in [0x00, 0x3C, 0x3E, 0x26, 0x5D, 0x2D, 0x3F, 0x2F, 0x22, 0x20, 0xFF, 0xE4] {
                var changed = bytes
                changed[position] = replacement
                _ = Self.error(XMLBytes(changed))
                _ = Self.error(XMLBytes(Array(changed[..<position]) + Array(changed[(position + 1)...])))
                answered += 2
            }
        }
        #expect(answered == bytes.count * 24)
    }

    @Test func deepNestingIsRefusedWithoutOverflowingTheStack() throws {
        let tooDeep = ChannelError.malformed("the body nests elements deeper than 16 levels")
        let depth = 100_000
        let nested =
            "<xml><A>" + String(repeating: "<b>", count: depth) + "x" + String(repeating: "</b>", count: depth)
            + "</A></xml>"
        #expect(Self.error(XMLBytes(stringLiteral: nested)) == tooDeep)
        #expect(Self.error(XMLBytes(stringLiteral: String(repeating: "<b>", count: depth))) == tooDeep)
        let fourteen =
            "<xml><A>" + String(repeating: "<b>", count: 14) + "x" + String(repeating: "</b>", count: 14) + "</A></xml>"
        #expect(try Self.fields(XMLBytes(stringLiteral: fourteen)) == ["A": ""])
    }

    @Test func aRepeatedAttributeIsFoundAmongMany() throws {
        let many = (0..<1000).map { " a\($0)=''" }.joined()
        #expect(try Self.fields(XMLBytes(stringLiteral: "<xml><A\(many)/></xml>")) == ["A": ""])
        for repeated in [0, 5, 15, 16, 999] {
            #expect(Self.error(XMLBytes(stringLiteral: "<xml><A\(many) a\(repeated)=''/></xml>")) == Self.notWellFormed)
        }
        // Each tag's attributes are its own.
        #expect(try Self.fields(XMLBytes(stringLiteral: "<xml\(many)><A\(many)/></xml>")) == ["A": ""])
    }

    // MARK: Against Foundation's XMLParser

    #if canImport(FoundationXML)
        /// Documents for which XMLParser gave a clean answer (fields, or a failed parse) and the
        /// reader must give the same one. Left out, each with its own test above:
        /// - documents XMLParser (libxml2 in recovery mode) returned fields for while reporting
        ///   an error: see `xmlParserRecoveredFromDocumentsThatAreNotWellFormed`;
        /// - documents that crash XMLParser: a processing instruction without data, invalid
        ///   UTF-8 in a comment or a name;
        /// - CR inside CDATA, which XMLParser kept and XML reads as LF;
        /// - encodings other than UTF-8, which XMLParser transcoded.
        static let differentialCorpus: [XMLBytes] = [
            // Well-formed.
            """
            <xml><ToUserName><![CDATA[ww1a2b3c4d5e6f7a8b]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID>\
            <Encrypt><![CDATA[G247tPGBWMfoFcJIA131p/8gOwc++UcVxp0REaUFbrSZ==]]></Encrypt></xml>
            """,
            "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA[Kl7k+/=]]></Encrypt>\n</xml>",
            """
            <xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName>\
            <CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId></xml>
            """,
            "<xml><Content><![CDATA[新认定的高企 ]] 能拿 <多少> 钱 & 税? a]]]]><![CDATA[>b]]></Content></xml>",
            "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<CreateTime>1732500002</CreateTime>\n</xml>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml><A>v</A></xml>\n",
            "\u{FEFF}<?xml version='1.0' encoding='utf-8' standalone='no' ?><xml><A>v</A></xml>",
            "<xml><A>&lt;&gt;&amp;&apos;&quot;&#65;&#x4E2D;&#20013;&#x1F600;&#x10FFFF;&#0000065;</A></xml>",
            "<xml><A>a<![CDATA[<b>]]>c<![CDATA[]]>d</A><B><![CDATA[x]]]]><![CDATA[>y]]></B><C>]]&gt;]]</C></xml>",
            "<xml><A>x<B>y<C>z</C></B>w</A><B>b</B><D><D>inner</D></D></xml>",
            "<xml>root text<A> sp </A>\n\t<B/><C></C></xml>",
            #"<xml a="1" b='2'><A c="&amp;&#60;>" d = 'say "hi"'>v</A><B e="x" /></xml>"#,
            "<xml><A>v<!-- c -->w<?pi data?>x</A></xml>",
            "<!-- before --><?pi data?>\n<xml/>\n<!-- after -->\n",
            "<xml><A>a\r\nb\rc\r</A><B>&#13;&#x9;&#xA;</B></xml>",
            "<xml xmlns:x=\"urn:x\"><中文>值</中文><a-b.c_d·>1</a-b.c_d·><x:y>2</x:y></xml>",
            "<xml><A x='1'>v</A ><B\n>w</B\t></xml\n>",
            "<xml></xml>",
            // A repeated field; a DTD.
            "<xml><A>v</A><B/><A>w</A><B>z</B></xml>",
            #"<!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>"#,
            "<xml><A><![CDATA[<!doctype]]></A></xml>",
            // Not well-formed.
            "",
            "<a>",
            #"<?xml version="1.0"?>"#,
            "<x><A>1</A></y>",
            "<a><b></a></b>",
            "<xml><A></AB></xml>",
            #"<xml><A x="1>v</A></xml>"#,
            #"<xml><A x="1" x="2">v</A></xml>"#,
            #"<xml><A x="1"y="2">v</A></xml>"#,
            "<xml><A x=1>v</A></xml>",
            #"<xml><A x="<">v</A></xml>"#,
            "<xml><A>a & b</A></xml>",
            "<xml><A>&nbsp;</A></xml>",
            "<xml><A>&amp</A></xml>",
            "<xml><A>&#0;</A></xml>",
            "<xml><A>&#xD800;</A></xml>",
            "<xml><A>a]]>b</A></xml>",
            "<xml><A>\u{1}</A></xml>",
            XMLBytes(Array("<xml><A>".utf8) + [0xFF] + Array("</A></xml>".utf8)),
            XMLBytes(Array("<xml><A>".utf8) + [0xED, 0xA0, 0x80] + Array("</A></xml>".utf8)),
            "<xml><!-- a -- b --><A>v</A></xml>",
            "<xml><A>v</A></xml><!-- unterminated",
            "<xml><A>v</ A></xml>",
            "<xml><1A>v</1A></xml>",
            "<![CDATA[x]]><xml/>",
            #"<?xml version="2.0"?><xml/>"#,
            #" <?xml version="1.0"?><xml/>"#,
            #"<xml><?xml version="1.0"?></xml>"#,
        ]

        /// XMLParser on Linux parses with libxml2's recovery mode: for these documents it
        /// reported an error to its delegate yet `parse()` returned true with the fields it had
        /// seen, so the old code accepted them. They are not well-formed, and are now refused.
        static let recoveredByXMLParser: [XMLBytes] = [
            "<xml>",
            "<xml><A>v",
            "<xml><A>v</A>",
            "<xml><A>v</xml>",
            "<xml><A></B></A></xml>",
            "<xml><A>v</A></xml><xml/>",
            "<xml><A>v</A></xml>x",
            "<xml><A>v</A></xml></xml>",
            "<xml><A><![CDATA[abc</A></xml>",
            "<xml><A",
            "<xml><A>v</A",
            "<xml><A>v</A></xml><",
            "<xml><A/ ></xml>",
            "<xml><!-- a ---><A>v</A></xml>",
            "<xml><A><![CDATA[\u{1}]]></A></xml>",
            "<xml/>\u{FEFF}",
        ]

        @Test(arguments: differentialCorpus)
        func theReaderAnswersAsXMLParserDid(_ document: XMLBytes) {
            let (expected, recovered) = XMLParserOracle.answer(document)
            #expect(!recovered, "XMLParser only recovered from this document; it does not belong in the corpus")
            #expect(XMLFieldsOutcome(document) == expected)
        }

        @Test(arguments: recoveredByXMLParser)
        func xmlParserRecoveredFromDocumentsThatAreNotWellFormed(_ document: XMLBytes) {
            let (answer, recovered) = XMLParserOracle.answer(document)
            if case .fields = answer {} else { Issue.record("XMLParser refused it: \(answer)") }
            #expect(recovered)
            #expect(Self.error(document) == Self.notWellFormed)
        }
    #endif
}

#if canImport(FoundationXML)
    /// What parsing gave: the fields, or the refusal's message.
    enum XMLFieldsOutcome: Equatable, CustomStringConvertible {
        case fields([String: String])
        case refused(String)

        init(_ document: XMLBytes) {
            do {
                self = .fields(try WeComXMLFields.parse(Data(document.bytes), what: "the body"))
            } catch {
                guard case .malformed(let message) = error else {
                    self = .refused("\(error)")
                    return
                }
                self = .refused(message)
            }
        }

        var description: String {
            switch self {
            case .fields(let fields): "fields \(fields.sorted { $0.key < $1.key })"
            case .refused(let message): "refused: \(message)"
            }
        }
    }

    /// The code `WeComXMLFields` had before: the DTD check, XMLParser and its delegate.
    final class XMLParserOracle: NSObject, XMLParserDelegate {
        private var fields: [String: String] = [:]
        private var duplicate: String?
        private var sawRoot = false
        private var depth = 0
        private var currentName: String?
        private var buffer = ""

        /// The old answer, and whether XMLParser reported an error even though it succeeded.
        static func answer(_ document: XMLBytes) -> (XMLFieldsOutcome, recovered: Bool) {
            let data = Data(document.bytes)
            if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!doctype".utf8)) != nil {
                return (.refused("the body contains a DTD"), false)
            }
            let collector = XMLParserOracle()
            let parser = XMLParser(data: data)
            parser.shouldResolveExternalEntities = false
            parser.delegate = collector
            guard parser.parse(), collector.sawRoot else { return (.refused("the body is not well-formed XML"), false) }
            let recovered = parser.parserError != nil
            if let name = collector.duplicate {
                return (.refused("the body has more than one <\(name)> element"), recovered)
            }
            return (.fields(collector.fields), recovered)
        }

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            depth += 1
            if depth == 1 { sawRoot = true }
            if depth == 2 {
                currentName = elementName
                buffer = ""
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if depth == 2 { buffer += string }
        }

        func parser(_ parser: XMLParser, foundCDATA block: Data) {
            if depth == 2 { buffer += String(decoding: block, as: UTF8.self) }
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
        ) {
            if depth == 2, let name = currentName {
                if fields[name] != nil { duplicate = name } else { fields[name] = buffer }
                currentName = nil
            }
            depth -= 1
        }
    }
#endif

@Suite("WeCom XML nesting bound")
struct WeComXMLDepthTests {
    @Test("elements nested deeper than 16 levels are refused with a message that says so")
    func tooDeep() {
        let deep = "<xml>" + String(repeating: "<a>", count: 20) + String(repeating: "</a>", count: 20) + "</xml>"
        #expect {
            try WeComXMLFields.parse(Data(deep.utf8), what: "the body")
        } throws: { error in
            "\(error)".contains("deeper than 16")
        }
    }

    @Test("WeCom's own two levels, and a little more, are read")
    func shallow() throws {
        let doc = "<xml><ToUserName><![CDATA[x]]></ToUserName><Extra><A><B>1</B></A></Extra></xml>"
        #expect(try WeComXMLFields.parse(Data(doc.utf8), what: "the body")["ToUserName"] == "x")
    }
}
