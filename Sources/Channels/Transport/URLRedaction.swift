import Foundation

/// Masks the secret-bearing parts of platform URLs before they reach a message or a log.
///
/// WeCom and DingTalk put the robot's key or access token in the query, DingTalk's session
/// webhook puts its session token there, and Feishu puts the custom bot's hook id in the
/// path, so the query is dropped and long identifier-like path segments are masked.
package enum URLRedaction {
    /// The URL with its query replaced by `?…` and token-like path segments by `…`.
    package static func redact(_ url: String) -> String {
        var base = Substring(url)
        var hadQuery = false
        if let mark = base.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            hadQuery = base[mark] == "?"
            base = base[..<mark]
        }
        var prefix = Substring("")
        var path = base
        if let schemeEnd = base.range(of: "://") {
            let afterScheme = base[schemeEnd.upperBound...]
            let pathStart = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
            prefix = base[..<pathStart]
            path = base[pathStart...]
        }
        let maskedPath = path.split(separator: "/", omittingEmptySubsequences: false)
            .map { isTokenLike($0) ? "…" : String($0) }
            .joined(separator: "/")
        return String(prefix) + maskedPath + (hadQuery ? "?…" : "")
    }

    /// Replaces every URL-looking word in free text (for example a libcurl message) by its
    /// redacted form.
    package static func scrub(_ text: String) -> String {
        guard text.contains("://") || text.contains("?") else { return text }
        return text.split(separator: " ", omittingEmptySubsequences: false)
            .map { word in
                word.contains("://") || (word.contains("?") && word.contains("="))
                    ? redact(String(word)) : String(word)
            }
            .joined(separator: " ")
    }

    /// Hook ids, session tokens and message ids are long and contain digits; API path words
    /// such as `tenant_access_token` are long but have none, and stay readable.
    private static func isTokenLike(_ segment: Substring) -> Bool {
        segment.count >= 16 && segment.contains(where: \.isNumber)
    }
}
