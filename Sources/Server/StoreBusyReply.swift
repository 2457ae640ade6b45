/// What a platform's user is told when the store cannot take a message: politely, within the
/// platform's window and in its normal reply shape, rather than an error the platform retries.
///
/// A webhook cannot be answered safely without its dedupe claim (a retry could be answered twice),
/// and waiting for the store past the platform's window (WeCom: 5 s) would lose the reply anyway.
/// So when the claim fails the user is asked to send the question again, the message is counted in
/// `policydesk_store_busy_replies_total`, and `/healthz` reports the store's state until it heals.
enum StoreBusyReply {
    /// The reply text, the same on every platform.
    static let text = "系统繁忙，请稍后再试。您刚才的问题这次没能处理，请过一两分钟再发一次。"
}
