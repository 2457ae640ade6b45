import Foundation
import Testing

@testable import Channels

/// Every vector of `dingtalk.json`, plus cases the vectors do not cover.
struct DingTalkTests {
    static let file = Fixtures.dingtalk
    static let config = file["config"]
    static let verifier = DingTalkVerifier(appSecret: config["app_secret"].string ?? "")
    static let answer =
        Fixtures.vector("dingtalk.outgoing.sync_reply_bodies", in: file)["input"]["answer"].string ?? ""

    @Test func vectorFileIsComplete() {
        #expect(Fixtures.ids(Self.file).count == 10)
        #expect(Self.file["vectors"].array.filter { $0["kind"].string == "negative" }.count == 5)
        #expect(Self.config["timestamp_window_ms"].int == DingTalkVerifier.windowMs)
    }

    @Test(arguments: Fixtures.ids(Fixtures.dingtalk))
    func vector(_ id: String) throws {
        let vector = Fixtures.vector(id, in: Self.file)
        if vector["kind"].string == "negative" {
            try checkNegative(vector)
            return
        }
        switch id {
        case "dingtalk.outgoing.request.ok": try checkRequest(vector, parse: true)
        case "dingtalk.outgoing.request.sign_with_plus_slash.ok": try checkRequest(vector, parse: false)
        case "dingtalk.outgoing.sync_reply_bodies": try checkSyncReplies(vector)
        case "dingtalk.session_webhook.reply": try checkSessionWebhookReplies(vector)
        case "dingtalk.custom_robot.signed_url": try checkCustomRobot(vector)
        default: Issue.record("no check for positive vector \(id)")
        }
    }

    private func checkRequest(_ vector: JSON, parse: Bool) throws {
        let input = vector["input"], expected = vector["expected"]
        let headers = input["headers"].object.compactMapValues(\.string)
        let timestamp = try #require(headers["timestamp"])
        #expect(Self.verifier.stringToSign(timestamp: timestamp) == expected["string_to_sign"].string)
        #expect(Self.verifier.expectedSign(timestamp: timestamp) == expected["sign"].string)
        #expect(expected["accept"] == .bool(true))
        try Self.verifier.verify(headers: headers, nowMs: try #require(input["now_ms"].int))
        guard parse else { return }

        let message = try DingTalkMessageDecoder().decode(body: Data((input["body"].string ?? "").utf8))
        let parsed = expected["parsed"]
        #expect(message.platform == .dingtalk)
        #expect(message.messageType == parsed["msgtype"].string)
        #expect(message.text == parsed["content_trimmed"].string)
        #expect(message.messageID == parsed["msgId"].string)
        #expect(message.messageID == expected["dedupe_key"].string)
        #expect(message.isGroup == (parsed["conversationType"].string == "2"))
        #expect(message.userID == parsed["senderStaffId"].string)
        #expect(message.sessionWebhook == parsed["sessionWebhook"].string)
        #expect(message.sessionWebhookExpiresAtMs == parsed["sessionWebhookExpiredTime"].int)
        #expect(message.chatID == "cidPolicyGroup0001abcdEFGH==")
        #expect(message.userName == "张三")
        #expect(message.mentionedBot)
        #expect(message.createTime == 1_732_500_000)
    }

    private func checkSyncReplies(_ vector: JSON) throws {
        let expected = vector["expected"]
        let at = DingTalkMention(userIDs: ["zhangsan"])
        #expect(try JSON.parse(DingTalkReply.text(Self.answer, at: at).json) == expected["text"])
        #expect(
            try JSON.parse(DingTalkReply.markdown(title: "政策解答", text: "#### 政策解答\n" + Self.answer, at: at).json)
                == expected["markdown"])
        let card = DingTalkReply.actionCard(
            title: "政策解答", text: "#### 高新技术企业认定奖励\n" + Self.answer, singleTitle: "查看原文",
            singleURL:
                "dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fexample.com%2Fpolicy%2Fgaoxin&pc_slide=false")
        #expect(try JSON.parse(card.json) == expected["actionCard"])
        #expect(try JSON.parse(DingTalkReply.empty.json) == expected["empty"])
        #expect(DingTalkReply.empty.json == "{\"msgtype\":\"empty\"}")
    }

    private func checkSessionWebhookReplies(_ vector: JSON) throws {
        let input = vector["input"], expected = vector["expected"]
        let message = try DingTalkMessageDecoder().decode(
            body: Data(
                (Fixtures.vector("dingtalk.outgoing.request.ok", in: Self.file)["input"]["body"].string ?? "").utf8))
        #expect(message.sessionWebhook == input["sessionWebhook"].string)
        #expect(message.sessionWebhook == expected["url"].string)
        let at = DingTalkMention(userIDs: [message.userID])
        #expect(message.userID == input["senderStaffId"].string)
        #expect(try JSON.parse(DingTalkReply.text(Self.answer, at: at).json) == expected["text_body"])
        #expect(
            try JSON.parse(DingTalkReply.markdown(title: "政策解答", text: "#### 政策解答\n" + Self.answer, at: at).json)
                == expected["markdown_body"])
    }

    private func checkCustomRobot(_ vector: JSON) throws {
        let input = vector["input"], expected = vector["expected"]
        let signer = DingTalkRobotSigner(secret: input["secret"].string ?? "")
        let timestamp = try #require(input["timestamp_ms"].int)
        #expect(signer.stringToSign(timestampMs: timestamp) == expected["string_to_sign"].string)
        #expect(signer.sign(timestampMs: timestamp) == expected["sign_base64"].string)
        let url = signer.signedURL(webhook: input["webhook"].string ?? "", timestampMs: timestamp)
        #expect(url == expected["url"].string)
        #expect(url.hasSuffix("&sign=" + (expected["sign_urlencoded"].string ?? "-")))
        let body = DingTalkReply.text(Self.answer + "\n@13800001111", at: DingTalkMention(mobiles: ["13800001111"]))
        #expect(try JSON.parse(body.json) == expected["text_body_example"])
    }

    private func checkNegative(_ vector: JSON) throws {
        let id = vector["id"].string ?? ""
        let input = vector["input"], expected = vector["expected"]
        #expect(expected["reject"] == .bool(true))
        let headers = input["headers"].object.compactMapValues(\.string)
        let now = try #require(input["now_ms"].int)
        let thrown = try #require(
            thrownError { () throws(ChannelError) in try Self.verifier.verify(headers: headers, nowMs: now) },
            "vector \(id) was accepted")
        #expect(Int64(thrown.httpStatus) == expected["http_status"].int, "\(id): \(thrown)")
        let expectedError: ChannelError? =
            switch id {
            case "dingtalk.outgoing.neg.bad_sign": .badSignature(.dingtalk)
            case "dingtalk.outgoing.neg.stale_timestamp", "dingtalk.outgoing.neg.future_timestamp":
                .staleTimestamp(.dingtalk)
            case "dingtalk.outgoing.neg.missing_headers": .missingParameter("timestamp")
            case "dingtalk.outgoing.neg.non_numeric_timestamp": .invalidTimestamp("timestamp")
            default: nil
            }
        #expect(expectedError != nil, "no expected error for negative vector \(id)")
        #expect(thrown == expectedError)
        if id == "dingtalk.outgoing.neg.bad_sign" {
            let timestamp = headers["timestamp"] ?? ""
            #expect(
                Self.verifier.expectedSign(timestamp: timestamp)
                    == vector["sdk_observed"]["reference_expected_sign"].string)
        }
    }

    // MARK: Cases of our own

    @Test func windowEdgesAreInclusive() throws {
        let timestamp: Int64 = 1_732_500_000_123
        let sign = Self.verifier.expectedSign(timestamp: String(timestamp))
        try Self.verifier.verify(timestamp: String(timestamp), sign: sign, nowMs: timestamp + DingTalkVerifier.windowMs)
        try Self.verifier.verify(timestamp: String(timestamp), sign: sign, nowMs: timestamp - DingTalkVerifier.windowMs)
        let late = thrownError { () throws(ChannelError) in
            try Self.verifier.verify(
                timestamp: String(timestamp), sign: sign, nowMs: timestamp + DingTalkVerifier.windowMs + 1)
        }
        #expect(late == .staleTimestamp(.dingtalk))
    }

    @Test func urlDecodedSignIsRefused() throws {
        // The "+" of a sign that went through a form decoder arrives as a space.
        let vector = Fixtures.vector("dingtalk.outgoing.request.sign_with_plus_slash.ok", in: Self.file)["input"]
        let headers = vector["headers"].object.compactMapValues(\.string)
        let mangled = (headers["sign"] ?? "").replacingOccurrences(of: "+", with: " ")
        let error = thrownError { () throws(ChannelError) in
            try Self.verifier.verify(
                timestamp: headers["timestamp"] ?? "", sign: mangled, nowMs: vector["now_ms"].int ?? 0)
        }
        #expect(error == .badSignature(.dingtalk))
    }

    @Test func headerNamesAreCaseInsensitiveAndSignIsRequired() throws {
        let timestamp = "1732500000123"
        let sign = Self.verifier.expectedSign(timestamp: timestamp)
        try Self.verifier.verify(headers: ["Timestamp": timestamp, "SIGN": sign], nowMs: 1_732_500_000_123)
        let error = thrownError { () throws(ChannelError) in
            try Self.verifier.verify(headers: ["timestamp": timestamp], nowMs: 1_732_500_000_123)
        }
        #expect(error == .missingParameter("sign"))
        #expect(error?.httpStatus == 400)
        let signed = thrownError { () throws(ChannelError) in
            try Self.verifier.verify(timestamp: "+1732500000123", sign: sign, nowMs: 1_732_500_000_123)
        }
        #expect(signed == .invalidTimestamp("timestamp"))
    }

    @Test(arguments: ["", "[]", "not json", "{\"msgId\":\"m\"}", "{\"msgId\":\"m\",\"msgtype\":\"text\"}"])
    func malformedBodiesAreRefused(body: String) {
        let decoder = DingTalkMessageDecoder()
        let error = thrownError { () throws(ChannelError) in try decoder.decode(body: Data(body.utf8)) }
        guard case .malformed = error else {
            Issue.record("expected .malformed, got \(String(describing: error))")
            return
        }
        #expect(error?.httpStatus == 400)
    }

    @Test func oneToOnePictureWithStringNumbersDecodes() throws {
        let body = """
            {"msgId":"msg2","msgtype":"picture","conversationType":1,"conversationId":"cidSingle",\
            "senderId":"$:LWCP_v1:$abc","senderStaffId":"","createAt":"1732500000999",\
            "sessionWebhookExpiredTime":"1732505400999","content":{"downloadCode":"x"}}
            """
        let message = try DingTalkMessageDecoder().decode(body: Data(body.utf8))
        #expect(message.messageType == "picture")
        #expect(message.text == nil)
        #expect(!message.isGroup)
        #expect(message.userID == "$:LWCP_v1:$abc")
        #expect(message.chatID == message.userID)
        #expect(message.createTime == 1_732_500_000)
        #expect(message.sessionWebhookExpiresAtMs == 1_732_505_400_999)
        #expect(!message.mentionedBot)
        #expect(message.userName == nil)
    }

    @Test func repliesEscapeJSONAndOmitEmptyMentions() throws {
        let reply = DingTalkReply.text("引号\"、反斜杠\\、换行\n、URL https://a/b")
        #expect(reply.json == "{\"msgtype\":\"text\",\"text\":{\"content\":\"引号\\\"、反斜杠\\\\、换行\\n、URL https://a/b\"}}")
        #expect(try JSON.parse(reply.json)["text"]["content"].string == "引号\"、反斜杠\\、换行\n、URL https://a/b")
        let all = DingTalkReply.text("x", at: DingTalkMention(all: true))
        #expect(try JSON.parse(all.json)["at"]["isAtAll"] == .bool(true))
    }

    @Test func signedURLWithoutQueryStartsOne() {
        let url = DingTalkRobotSigner(secret: "SECabc").signedURL(webhook: "https://example.com/send", timestampMs: 1)
        #expect(url.hasPrefix("https://example.com/send?timestamp=1&sign="))
        #expect(!url.dropFirst(40).contains("+") && !url.dropFirst(40).contains("/"))
    }

    @Test func secretsStayOutOfDescriptions() {
        let secret = Self.config["app_secret"].string ?? "missing"
        var dumped = ""
        dump(Self.verifier, to: &dumped)
        #expect(!"\(Self.verifier)".contains(secret))
        #expect(!dumped.contains(secret))
        let robotSecret = Self.config["custom_robot_secret"].string ?? "missing"
        #expect(!"\(DingTalkRobotSigner(secret: robotSecret))".contains(robotSecret))
    }
}
