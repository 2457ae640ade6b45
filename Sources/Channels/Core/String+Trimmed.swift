import Foundation

extension StringProtocol {
    /// The text without leading and trailing whitespace and newlines.
    var trimmed: String { String(self).trimmingCharacters(in: .whitespacesAndNewlines) }
}
