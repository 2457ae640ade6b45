import Channels
import Foundation
import Testing

/// What may appear of a URL in messages and logs.
@Suite("URL redaction")
struct TransportRedactionTests {
    @Test(
        "Queries and token-like path segments are masked",
        arguments: [
            (
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693axxx6-7aoc",
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…"
            ),
            (
                "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1&sign=x%2B",
                "https://oapi.dingtalk.com/robot/send?…"
            ),
            (
                "https://open.feishu.cn/open-apis/bot/v2/hook/4f7c1a2e-0000-4b1d-9a77-123456789abc",
                "https://open.feishu.cn/open-apis/bot/v2/hook/…"
            ),
            (
                "https://open.feishu.cn/open-apis/auth/v3/tenant_access_token/internal",
                "https://open.feishu.cn/open-apis/auth/v3/tenant_access_token/internal"
            ),
            ("http://127.0.0.1:8080/robot/sendBySession?session=abc", "http://127.0.0.1:8080/robot/sendBySession?…"),
        ])
    func redact(_ input: String, _ expected: String) {
        #expect(URLRedaction.redact(input) == expected)
    }

    @Test("A request's description, reflection and dump show neither query, header values nor body")
    func requestDescription() {
        let request = OutboundRequest.postJSON(
            url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY",
            body: .init("SECRETBODY".utf8), headers: [("Authorization", "Bearer SECRETTOKEN")])
        let text = "\(request)"
        #expect(text == "POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…")
        var dumped = ""
        dump(request, to: &dumped)
        let everything = "\(String(reflecting: request)) \(dumped)"
        #expect(dumped.contains("Authorization"))
        for secret in ["SECRETKEY", "SECRETBODY", "SECRETTOKEN"] {
            #expect(!everything.contains(secret))
        }
    }

    @Test("URLs inside free text are scrubbed")
    func scrub() {
        let text = URLRedaction.scrub("Failed to get http://h:1/a?key=SECRET and more")
        #expect(text == "Failed to get http://h:1/a?… and more")
    }
}

@Suite("Secret redaction")
struct SecretRedactionTests {
    @Test(
        "each secret and any bearer token is masked; other text stays",
        arguments: [
            ("token t-abc123 expired", ["t-abc123"], "token [redacted] expired"),
            ("Authorization: Bearer t-zzz, retry", [], "Authorization: Bearer [redacted], retry"),
            ("authorization: bearer u-1\"}", [], "authorization: bearer [redacted]\"}"),
            ("nothing secret here", ["t-abc123"], "nothing secret here"),
            ("short abc stays", ["abc"], "short abc stays"),
        ])
    func redacts(text: String, secrets: [String], expected: String) {
        #expect(SecretRedaction.redact(text, secrets: secrets) == expected)
    }
}
