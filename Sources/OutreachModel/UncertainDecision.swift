public import Foundation

/// A person's decision about an uncertain delivery.
public enum UncertainDecision: String, Sendable, Hashable {
    /// The message is in the group chat: record it as delivered.
    case delivered
    /// The message is not in the group chat: send it on the next run.
    case resend
}

extension UncertainDecision {
    /// The note the delivery keeps of the decision, made at `at`.
    public func note(at: Date) -> String {
        let when = ChinaTime.time(at)
        return switch self {
        case .delivered: "发送结果原本不确定；\(when) 经人工确认已送达"
        case .resend: "发送结果原本不确定；\(when) 经人工确认未送达，已安排重新发送"
        }
    }
}
