import Channels
public import Desk
public import Foundation
public import Mustache
public import OutreachModel
public import PolicyKit

/// Plans a campaign: who qualifies for what, who was told recently, and the message each
/// enterprise gets. Pure: the same roster, items, recent sends and time give the same plan.
public struct CampaignPlanner: Sendable {
    /// The plan whose items are announced.
    public var policy: Policy
    /// The loaded templates.
    public var templates: MustacheLibrary
    /// Lead units' contact details, shown next to each item.
    public var contacts: [String: Contact]
    /// The template's name without the format and `.mustache`, such as `outreach`.
    public var template: String
    /// Markdown or text.
    public var format: MessageFormat

    /// A planner over a loaded knowledge base.
    public init(knowledge: KnowledgeBase, template: String = "outreach", format: MessageFormat = .markdown) {
        self.init(
            policy: knowledge.policy, templates: knowledge.templates, contacts: knowledge.contacts, template: template,
            format: format)
    }

    /// A planner over its parts.
    public init(
        policy: Policy, templates: MustacheLibrary, contacts: [String: Contact], template: String = "outreach",
        format: MessageFormat = .markdown
    ) {
        self.policy = policy
        self.templates = templates
        self.contacts = contacts
        self.template = template
        self.format = format
    }

    /// The items with the rules that decide them, checked against the policy and the roster's columns.
    public func items(_ ids: [String], roster: Roster) throws(OutreachError) -> [(item: Item, rule: CampaignItemRule)] {
        let campaignable = CampaignItemRule.itemIDs
        var result: [(item: Item, rule: CampaignItemRule)] = []
        var seen = Set<String>()
        for raw in ids {
            let id = raw.trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty, seen.insert(id).inserted else { continue }
            guard let item = policy.item(id) else { throw .unknownItem(id, campaignable: campaignable) }
            guard let rule = CampaignItemRule.all[id] else {
                throw .itemNotCampaignable(id, title: item.title, campaignable: campaignable)
            }
            guard roster.hasColumn(rule.column) else { throw .rosterLacksColumn(item: id, column: rule.column) }
            result.append((item, rule))
        }
        guard !result.isEmpty else { throw .noItems }
        return result
    }

    /// Plans the campaign.
    ///
    /// - Parameters:
    ///   - recentSends: what any campaign sent (or may have sent) recently; an enterprise–item pair
    ///     found there within `windowDays` of `now` is skipped and listed with the campaign that sent it.
    public func plan(
        roster: Roster, itemIDs: [String], recentSends: [RecentSend], windowDays: Int, now: Date
    ) throws(OutreachError) -> CampaignPlan {
        let chosen = try items(itemIDs, roster: roster)
        let templateName = "\(template).\(format.templateSuffix)"
        let rule = NoRepeatRule(windowDays: windowDays)
        let latest = rule.blockingSends(recentSends, at: now)
        let renderer = MessageRenderer(policy: policy, contacts: contacts)
        // Many enterprises qualify for the same items with the same amounts, and rendering a
        // template is the costliest step of a plan: render each combination once with a stand-in
        // for the name and put each enterprise's name in afterwards.
        var rendered: [[DeliveryItem]: [Substring]] = [:]
        var messages: [PlannedMessage] = []
        var skips: [CampaignSkip] = []
        var totals = chosen.map {
            ItemTotal(
                itemID: $0.item.id, title: $0.item.title, enterprises: 0, exactYuan: 0, exactCount: 0, ceilingYuan: 0,
                ceilingCount: 0, unknownCount: 0, skipped: 0)
        }
        var ineligible = 0
        for enterprise in roster.enterprises {
            var lines: [(DeliveryItem, Item)] = []
            var qualifiedAny = false
            for (index, entry) in chosen.enumerated() {
                let finding = Eligibility.evaluate(enterprise, item: entry.item, rule: entry.rule)
                guard finding.qualifies else { continue }
                qualifiedAny = true
                if let previous = latest[EnterpriseItem(creditCode: enterprise.creditCode, itemID: entry.item.id)] {
                    skips.append(
                        CampaignSkip(
                            enterpriseName: enterprise.name, creditCode: enterprise.creditCode, itemID: entry.item.id,
                            reason: rule.skipReason(previous),
                            previousCampaignID: previous.campaignID, previousAt: previous.at))
                    totals[index].skipped += 1
                    continue
                }
                totals[index].enterprises += 1
                switch finding.estimate {
                case .exact(let yuan, _):
                    totals[index].exactYuan += yuan
                    totals[index].exactCount += 1
                case .upTo(let yuan):
                    totals[index].ceilingYuan += yuan
                    totals[index].ceilingCount += 1
                case .unknown:
                    totals[index].unknownCount += 1
                }
                lines.append((Self.deliveryItem(entry.item, finding), entry.item))
            }
            if !qualifiedAny { ineligible += 1 }
            guard !lines.isEmpty else { continue }
            let key = lines.map(\.0)
            let pieces: [Substring]
            if let known = rendered[key] {
                pieces = known
            } else {
                let context = renderer.context(enterprise: MessageRenderer.nameStandIn, lines: lines)
                guard let text = templates.render(context, withTemplate: templateName) else {
                    throw .templateMissing(templateName)
                }
                pieces = MessageRenderer.tidy(text).split(
                    separator: MessageRenderer.nameStandIn, omittingEmptySubsequences: false)
                rendered[key] = pieces
            }
            let text = pieces.joined(separator: enterprise.name)
            try Self.checkSize(text, enterprise: enterprise, format: format)
            messages.append(
                PlannedMessage(
                    enterprise: enterprise, title: MessageRenderer.title(enterprise: enterprise), body: text,
                    items: lines.map(\.0)))
        }
        return CampaignPlan(
            enterpriseCount: roster.enterprises.count, messages: messages, skips: skips, ineligibleCount: ineligible,
            totals: totals)
    }

    private static func deliveryItem(_ item: Item, _ finding: Finding) -> DeliveryItem {
        var yuan: Int64?
        var maxYuan: Int64?
        var perYear = false
        switch finding.estimate {
        case .exact(let amount, let yearly):
            yuan = amount
            perYear = yearly
        case .upTo(let ceiling):
            maxYuan = ceiling
        case .unknown:
            break
        }
        return DeliveryItem(
            itemID: item.id, title: item.title, yuan: yuan, maxYuan: maxYuan, perYear: perYear,
            formula: finding.formula,
            reason: finding.reason)
    }

    /// WeCom's limits are the tightest and are documented; checking them here turns a failure that
    /// would surface only while sending into one a person can fix before anything is sent.
    private static func checkSize(_ text: String, enterprise: Enterprise, format: MessageFormat) throws(OutreachError) {
        let bytes = text.utf8.count
        switch enterprise.robot.platform {
        case .wecom:
            let limit =
                format == .markdown ? RobotWebhookSender.weComMarkdownLimit : RobotWebhookSender.weComTextLimit
            if bytes > limit {
                throw .messageTooLong(
                    enterprise: enterprise.name, line: enterprise.line, bytes: bytes, limit: limit, platform: "WeCom")
            }
        case .feishu:
            // The JSON envelope and escaping take some room; keep a margin under the body limit.
            let limit = RobotWebhookSender.feishuBodyLimit - 2_048
            if bytes > limit {
                throw .messageTooLong(
                    enterprise: enterprise.name, line: enterprise.line, bytes: bytes, limit: limit, platform: "Feishu")
            }
        case .dingtalk:
            break
        }
    }
}
