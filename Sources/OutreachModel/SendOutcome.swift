public import Foundation

/// What one attempt came to.
public enum SendOutcome: Sendable, Hashable {
    /// The platform accepted the message.
    case delivered
    /// Try again at `at`; `rateLimited` when the platform said the robot sends too often.
    case retry(at: Date, rateLimited: Bool, code: Int?, detail: String)
    /// Refused for good.
    case failed(code: Int?, detail: String)
    /// It may or may not have arrived; a person decides.
    case uncertain(detail: String)
}

extension SendOutcome {
    /// Why a send that a stopped process left in flight is uncertain: nobody knows whether it
    /// arrived, so it is never resent on its own.
    public static let interruptedDetail = "发送过程中程序停止，这条消息可能已送达，也可能没有，需人工确认"
}
