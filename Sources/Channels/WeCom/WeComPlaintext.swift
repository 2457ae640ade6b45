public import Foundation

/// A decrypted WeCom ciphertext split into the fields of its documented byte layout
/// (`random(16) | msg_len(be32) | msg | receiveid | PKCS#7(32) padding`).
public struct WeComPlaintext: Sendable, Equatable {
    /// The 16 random bytes the sender put in front; opaque, not necessarily ASCII.
    public var random: [UInt8]
    /// The `msg_len` field.
    public var messageLength: Int
    /// The message itself: XML for app callbacks, JSON for 智能机器人, the echo for URL checks.
    public var message: Data
    /// The trailing receive id (CorpID, or empty for a 智能机器人) as raw bytes.
    public var receiveIDBytes: [UInt8]
    /// The padding byte, which is also the number of padding bytes (1…32).
    public var padByte: UInt8
    /// The length of the decrypted data including padding.
    public var paddedLength: Int

    /// The receive id as text; invalid UTF-8 is replaced, so compare ``receiveIDBytes`` instead.
    public var receiveID: String { String(decoding: receiveIDBytes, as: UTF8.self) }

    /// The length of the decrypted data without padding.
    public var unpaddedLength: Int { paddedLength - Int(padByte) }
}
