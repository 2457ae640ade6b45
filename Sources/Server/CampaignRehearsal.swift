public import Channels
public import Foundation
public import Outreach
public import OutreachModel
public import Storage

/// A campaign played out in full against a ``RehearsalPlatform``: planned as `campaign plan`
/// would, sent as `campaign run` would (the same renderer, signer, sender and journal), but every
/// robot address is rewritten to the local listener and the ledger is a database in memory, so
/// nothing reaches a group and nothing is recorded as sent.
public enum CampaignRehearsal {
    /// One planned message and what the listener received for it.
    public struct Message: Sendable {
        /// The message's place in the plan, from 1.
        public var seq: Int
        /// 企业名称.
        public var enterpriseName: String
        /// 统一社会信用代码.
        public var creditCode: String
        /// The platform.
        public var platform: Platform
        /// The roster's robot, without its address: `WeCom robot 1a2b3c4d5e6f` as `campaign run` names it.
        public var robot: String
        /// Where the delivery ended (`delivered` when the listener took it).
        public var state: DeliveryState
        /// The request the robot would have received, if one was sent.
        public var request: RehearsalPlatform.Request?
    }

    /// What a rehearsal did.
    public struct Outcome: Sendable {
        /// The plan, with the rewritten robots.
        public var plan: CampaignPlan
        /// The messages in plan order.
        public var messages: [Message]
        /// Every request the listener received.
        public var requests: [RehearsalPlatform.Request]
    }

    /// Plans the campaign for `roster` and sends it to a local listener.
    ///
    /// - Parameters:
    ///   - recentSends: what real campaigns sent recently (from the real database, read only), so
    ///     the rehearsal skips whom the real run would skip.
    public static func rehearse(
        roster: Roster, planner: CampaignPlanner, itemIDs: [String], recentSends: [RecentSend], windowDays: Int,
        rosterName: String, template: String, format: MessageFormat, now: Date = Date(),
        transport: any HTTPTransport = CurlTransport()
    ) async throws -> Outcome {
        try await RehearsalPlatform.with { platform in
            // Each distinct robot gets its own path, so messages are told apart by robot as they would be.
            var rewritten = roster
            var numbers: [String: Int] = [:]
            var originals: [String: RobotAddress] = [:]
            for index in rewritten.enterprises.indices {
                let robot = rewritten.enterprises[index].robot
                let number = numbers[robot.key] ?? numbers.count + 1
                numbers[robot.key] = number
                let local = RobotAddress(
                    platform: robot.platform, url: platform.url(platform: robot.platform, robot: number),
                    secret: robot.secret)
                originals[local.key] = robot
                rewritten.enterprises[index].robot = local
            }
            let plan = try planner.plan(
                roster: rewritten, itemIDs: itemIDs, recentSends: recentSends, windowDays: windowDays, now: now)
            let ledger = try SQLiteStorage.inMemory()
            defer { try? ledger.close() }
            var messages: [Message] = []
            guard !plan.messages.isEmpty else { return Outcome(plan: plan, messages: [], requests: []) }
            let id = try await ledger.createCampaign(
                plan.campaign(
                    rosterName: rosterName, template: template, format: format, windowDays: windowDays,
                    notes: ["rehearsal"], now: now))
            // No limits to wait for: the listener is not rate-limited, and a rehearsal should take seconds.
            let runner = CampaignRunner(
                store: ledger, transport: transport,
                configuration: .init(
                    maxInFlight: 8, requestTimeout: .seconds(10),
                    limits: { _ in RobotLimits(windows: [], rateLimitPause: 1) }))
            _ = try await runner.run(campaignID: id)
            let requests = platform.requests
            // One send at a time per robot, in plan order: the n-th request to a robot is its n-th delivery.
            var byRobot = Dictionary(grouping: requests) { $0.robot ?? 0 }
            for delivery in try await ledger.deliveries(campaignID: id).sorted(by: { $0.seq < $1.seq }) {
                let original = originals[delivery.robotKey]
                let number = original.flatMap { numbers[$0.key] } ?? 0
                var request: RehearsalPlatform.Request?
                if delivery.state == .delivered, var queue = byRobot[number], !queue.isEmpty {
                    request = queue.removeFirst()
                    byRobot[number] = queue
                }
                messages.append(
                    Message(
                        seq: delivery.seq, enterpriseName: delivery.enterpriseName, creditCode: delivery.creditCode,
                        platform: original?.platform ?? Platform(rawValue: delivery.platform) ?? .wecom,
                        robot: original?.description ?? delivery.robotKey, state: delivery.state, request: request))
            }
            return Outcome(plan: plan, messages: messages, requests: requests)
        }
    }
}
