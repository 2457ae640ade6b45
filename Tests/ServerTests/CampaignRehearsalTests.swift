import Channels
import Desk
import Foundation
import Outreach
import OutreachModel
import Storage
import TestSupport
import Testing

@testable import Server

/// `policydesk campaign rehearse`: the whole campaign against the in-process fake platform.
struct CampaignRehearsalTests {
    static func rehearse(_ rosterText: Data, items: [String]) async throws -> CampaignRehearsal.Outcome {
        let knowledge = try KnowledgeBaseLoader(
            intents: URL(fileURLWithPath: Repository.intents), templates: URL(fileURLWithPath: Repository.templates)
        ).load()
        let roster = try Roster.parse(rosterText, skipBadLines: false)
        return try await CampaignRehearsal.rehearse(
            roster: roster, planner: CampaignPlanner(knowledge: knowledge), itemIDs: items, recentSends: [],
            windowDays: 30, rosterName: "roster.csv", template: "outreach", format: .markdown)
    }

    @Test(.timeLimit(TestTime.minutes(3)))
    func theSampleRosterIsPlayedOutLocally() async throws {
        let sample = try Data(contentsOf: Repository.root.appendingPathComponent("Examples/roster-sample.csv"))
        let outcome = try await Self.rehearse(sample, items: ["12.2", "9.3", "7.3"])
        #expect(outcome.messages.count == 4)
        #expect(outcome.requests.count == 4, "one request per message, no retries")
        for message in outcome.messages {
            #expect(message.state == .delivered)
            let request = try #require(message.request)
            #expect(request.platform == message.platform)
            let text = try #require(request.text)
            #expect(text.contains(message.enterpriseName), "\(message.enterpriseName) got: \(text)")
            // Only the local listener was posted to.
            #expect(request.path.hasPrefix("/rehearsal/\(message.platform.rawValue)/"))
            #expect(message.robot.contains("robot "))
        }
        // The sample says plainly that its robot addresses are placeholders.
        let comments = String(decoding: sample, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("#") }
        #expect(comments.contains { $0.contains("占位符") && $0.contains("placeholder") })
        #expect(Set(outcome.messages.map(\.platform)).count > 1, "the sample's messages go through several platforms")
    }

    /// Two enterprises sharing a robot get their own messages, and a signed DingTalk robot is signed.
    @Test(.timeLimit(TestTime.minutes(3)))
    func sharedRobotsAndSignaturesWork() async throws {
        let roster = """
            企业名称,统一社会信用代码,规模,平台,机器人地址,机器人密钥,首次认定高企
            演练甲有限公司,91150602000000001X,规上,钉钉,https://oapi.dingtalk.com/robot/send?access_token=placeholder,SECplaceholder,是
            演练乙有限公司,911506020000000021,规下,钉钉,https://oapi.dingtalk.com/robot/send?access_token=placeholder,SECplaceholder,是
            """
        let outcome: CampaignRehearsal.Outcome
        do {
            outcome = try await Self.rehearse(Data(roster.utf8), items: ["12.2"])
        } catch let error as RosterError {
            // The credit codes above must pass the check character; fail with the reason if not.
            Issue.record("roster refused: \(error)")
            return
        }
        #expect(outcome.messages.map(\.enterpriseName) == ["演练甲有限公司", "演练乙有限公司"])
        let texts = outcome.messages.compactMap { $0.request?.text }
        #expect(texts.count == 2)
        #expect(texts[0].contains("演练甲有限公司") && texts[1].contains("演练乙有限公司"))
        #expect(outcome.requests.allSatisfy { $0.path == "/rehearsal/dingtalk/1" })
    }
}
