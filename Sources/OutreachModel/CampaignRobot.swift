/// A robot a campaign posts to, with its credentials.
///
/// `description` and reflection show only the platform and the key, never the URL or the secret.
public struct CampaignRobot: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    /// A stable, non-secret id of the robot: a digest of its platform and address.
    public var key: String
    /// `wecom`, `dingtalk` or `feishu`.
    public var platform: String
    /// The webhook address (secret-bearing).
    public var url: String
    /// The signing secret, if the robot has one (secret).
    public var secret: String?

    /// Creates a robot.
    public init(key: String, platform: String, url: String, secret: String?) {
        self.key = key
        self.platform = platform
        self.url = url
        self.secret = secret
    }

    /// The platform and the key only.
    public var description: String { "\(platform) robot \(key)" }

    /// A mirror without the URL and the secret, so that `dump` cannot reveal them.
    public var customMirror: Mirror {
        Mirror(self, children: ["key": key, "platform": platform])
    }
}
