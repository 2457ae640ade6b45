import Matching
import Testing

@Suite("Normalizer")
struct NormalizerTests {
    /// A small lexicon in the shape of `Intents/lexicon.yaml`.
    static let lexicon = Lexicon(
        replacements: [
            "高企": "高新技术企业", "国高企": "高新技术企业",
            "揭榜": "揭榜挂帅", "揭膀": "揭榜挂帅", "揭膀挂帅": "揭榜挂帅",
            "众创": "众创空间",
            "服化器": "孵化器", "孵化": "孵化器",
            "IPO": "上市",
            "專精特兴": "专精特新",
        ],
        characters: ["規": "规", "業": "业", "國": "国", "專": "专", "積": "积", "麼": "么", "發": "发"])
    static let normalizer = Normalizer(lexicon: lexicon)

    @Test(
        "width and case are folded without a lexicon",
        arguments: [
            ("５０万", "50万"),
            ("ＡＢＣ１２３", "abc123"),
            ("IPO上市", "ipo上市"),
            ("首台（套）", "首台(套)"),
            ("高企，规上！", "高企,规上!"),
            ("一\u{3000}二", "一 二"),  // ideographic space
            ("第一行\n第二行", "第一行 第二行"),
            ("“揭榜挂帅”", "\"揭榜挂帅\""),
            ("「市里」", "\"市里\""),
        ])
    func widthAndCase(text: String, folded: String) {
        #expect(Normalizer(lexicon: .empty).normalize(text) == folded)
    }

    @Test(
        "traditional characters become simplified, character by character",
        arguments: [("規上企業", "规上企业"), ("公積金怎麼提取", "公积金怎么提取"), ("發明專利", "发明专利")])
    func traditional(text: String, folded: String) {
        #expect(Self.normalizer.normalize(text) == folded)
    }

    @Test(
        "variants fold to the plan's own term, the longest variant first",
        arguments: [
            ("新认定的高企", "新认定的高新技术企业"),
            ("国高企认定", "高新技术企业认定"),  // 国高企, not 国 + 高企
            ("揭膀挂帅项目", "揭榜挂帅项目"),  // the whole miswriting, not 揭膀 + 挂帅
            ("揭膀项目", "揭榜挂帅项目"),
            ("服化器", "孵化器"),
            ("众创", "众创空间"),
            ("ipo进度", "上市进度"),  // a variant written in capitals matches any case
            ("IPO进度", "上市进度"),
            ("專精特兴企业", "专精特新企业"),  // a variant written in traditional characters
        ])
    func synonyms(text: String, folded: String) {
        #expect(Self.normalizer.normalize(text) == folded)
    }

    @Test(
        "text already in the plan's terms is not rewritten",
        arguments: ["揭榜挂帅项目", "孵化器里的办公室", "国家级众创空间", "高新技术企业"])
    func canonicalStays(text: String) {
        #expect(Self.normalizer.normalize(text) == text)
    }

    @Test("a short variant inside its canonical term (孵化 in 孵化器) is left alone, elsewhere it folds")
    func variantInsideCanonical() {
        #expect(Self.normalizer.normalize("孵化器") == "孵化器")
        #expect(Self.normalizer.normalize("孵化") == "孵化器")
        #expect(Self.normalizer.normalize("孵化器和孵化") == "孵化器和孵化器")
    }

    @Test("normalizing twice changes nothing more")
    func idempotent() {
        for text in ["新认定的高企", "揭膀挂帅项目", "規上企業５０万", "众创空间和众创"] {
            let once = Self.normalizer.normalize(text)
            #expect(Self.normalizer.normalize(once) == once)
        }
    }
}
