import Foundation
import TestSupport

/// What the server tests read from the fake platform's Feishu open API.
extension FakePlatform {
    /// The reply calls the fake accepted, in order.
    var feishuReplies: [FakePlatform.Request] {
        requests(pathPrefix: "/open-apis/im/v1/messages/").filter { $0.status == 200 }
    }

    /// Token requests answered with a token.
    var feishuTokensIssued: Int {
        requests(pathPrefix: "/open-apis/auth/").filter { $0.checks["issued"] != nil }.count
    }

    /// Token requests refused for wrong app credentials.
    var feishuTokensRefused: Int {
        requests(pathPrefix: "/open-apis/auth/").filter { $0.checks["issued"] == nil }.count
    }
}

extension FakePlatform.Request {
    /// `{message_id}` in a reply call's path (`/open-apis/im/v1/messages/{message_id}/reply`).
    var messageID: String {
        path.split(separator: "/").dropLast().last.map(String.init) ?? ""
    }

    /// The `Authorization` header.
    var authorization: String { header("Authorization") ?? "" }
}
