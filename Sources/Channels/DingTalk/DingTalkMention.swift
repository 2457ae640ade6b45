import JSONWriter

/// Who a DingTalk robot message @-mentions (the `at` object).
///
/// An @mobile is shown as a mention only if the mobile number also appears in the text.
public struct DingTalkMention: Sendable, Equatable {
    /// Staff user ids to mention (`atUserIds`).
    public var userIDs: [String]
    /// Mobile numbers to mention (`atMobiles`).
    public var mobiles: [String]
    /// Whether to mention everyone (`isAtAll`).
    public var all: Bool

    /// Mentions nobody.
    public static let none = DingTalkMention()

    /// Creates a mention list; everything defaults to empty.
    public init(userIDs: [String] = [], mobiles: [String] = [], all: Bool = false) {
        self.userIDs = userIDs
        self.mobiles = mobiles
        self.all = all
    }

    /// The `at` object, or `nil` when nobody is mentioned (DingTalk needs no empty object).
    var json: String? {
        var members: [(String, String)] = []
        if !mobiles.isEmpty { members.append(("atMobiles", JSONText.array(mobiles))) }
        if !userIDs.isEmpty { members.append(("atUserIds", JSONText.array(userIDs))) }
        if all { members.append(("isAtAll", "true")) }
        return members.isEmpty ? nil : JSONText.object(members)
    }
}
