import Foundation

/// The `review: true` marks of a draft's rules, and accepting them all at once.
public enum ReviewMarks {
    /// `text` without its `review: true` marks (a line of its own, as `policydesk import` writes
    /// them, or `, review: true` inside a one-line award), and how many were removed. Everything
    /// else, comments and blank lines included, is kept as it was.
    public static func accepted(_ text: String) -> (text: String, count: Int) {
        var count = 0
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces) == "review: true" {
                count += 1
                continue
            }
            if line.contains(", review: true}") {
                count += 1
                lines.append(Substring(line.replacingOccurrences(of: ", review: true}", with: "}")))
                continue
            }
            lines.append(line)
        }
        return (lines.joined(separator: "\n"), count)
    }
}
