import Foundation

/// Removes secrets from text a platform sent back before it reaches an error message or a log.
///
/// A platform's error text may echo the request it refused: Feishu's reply API has been seen to
/// quote the `Authorization` header, tenant access token and all. Every error built from a
/// platform's words goes through here with the secrets the call used.
package enum SecretRedaction {
    /// What stands in for a secret.
    package static let mask = "[redacted]"

    /// `text` with each of `secrets` (those of 4 characters or more) and any bearer token replaced by ``mask``.
    package static func redact(_ text: String, secrets: [String]) -> String {
        var result = text
        for secret in secrets where secret.count >= 4 && result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: mask)
        }
        return redactBearerTokens(result)
    }

    /// Replaces the word after every `Bearer ` (any case), the form tokens take in headers.
    private static func redactBearerTokens(_ text: String) -> String {
        guard text.range(of: "bearer", options: .caseInsensitive) != nil else { return text }
        var out = ""
        var rest = Substring(text)
        while let found = rest.range(of: "bearer ", options: .caseInsensitive) {
            out += rest[..<found.upperBound]
            rest = rest[found.upperBound...]
            let tokenEnd =
                rest.firstIndex { $0 == " " || $0 == "\"" || $0 == "'" || $0 == "," || $0 == "}" || $0 == "\n" }
                ?? rest.endIndex
            if tokenEnd > rest.startIndex { out += mask }
            rest = rest[tokenEnd...]
        }
        return out + rest
    }
}
