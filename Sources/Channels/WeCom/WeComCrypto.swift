import Crypto
import Foundation
import _CryptoExtras

/// WeCom's message encryption (加解密方案): AES-256-CBC with the IV fixed to the first 16 key
/// bytes, PKCS#7 padding to 32-byte blocks, and a SHA-1 signature over the sorted parameters.
///
/// The same scheme protects self-built app XML callbacks and 智能机器人 JSON callbacks.
public struct WeComCrypto: Sendable {
    /// The AES key decoded from the EncodingAESKey.
    let keyBytes: [UInt8]
    private let key: SymmetricKey
    private let iv: AES._CBC.IV

    /// WeCom pads to 32 bytes, not the AES block size, so the library's padding cannot be used.
    static let paddingBlockSize = 32

    /// Derives the AES key from the 43-character EncodingAESKey shown in the WeCom console.
    public init(encodingAESKey: String) throws(ChannelError) {
        let characters = Array(encodingAESKey.utf8)
        let isAlphanumeric = characters.allSatisfy {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
        }
        guard characters.count == 43, isAlphanumeric,
            let decoded = LenientBase64.decode(encodingAESKey + "="), decoded.count == 32
        else {
            throw .invalidConfiguration(
                "the WeCom EncodingAESKey must be exactly 43 characters of [A-Za-z0-9] (it has \(characters.count))")
        }
        do {
            iv = try AES._CBC.IV(ivBytes: decoded[0..<16])
        } catch {
            throw .invalidConfiguration("the WeCom EncodingAESKey does not yield an AES IV")
        }
        keyBytes = decoded
        key = SymmetricKey(data: decoded)
    }

    /// The text WeCom hashes for `msg_signature`: the four values sorted byte-wise and joined.
    public static func signatureInput(token: String, timestamp: String, nonce: String, encrypted: String) -> String {
        [token, timestamp, nonce, encrypted]
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .joined()
    }

    /// `msg_signature`: lower-case hex SHA-1 of ``signatureInput(token:timestamp:nonce:encrypted:)``.
    public static func signature(token: String, timestamp: String, nonce: String, encrypted: String) -> String {
        let input = signatureInput(token: token, timestamp: timestamp, nonce: nonce, encrypted: encrypted)
        return Hex.encode(Insecure.SHA1.hash(data: Array(input.utf8)))
    }

    /// Decrypts a base64 ciphertext and checks every length and padding byte.
    ///
    /// Tencent's sample and wechatpy read only the last padding byte; checking all of them and
    /// the length field turns a wrong key or a tampered message into a clear 400 instead of
    /// garbage that might still parse.
    public func decrypt(_ encrypted: String) throws(ChannelError) -> WeComPlaintext {
        guard let ciphertext = LenientBase64.decode(encrypted) else { throw .badBase64 }
        guard !ciphertext.isEmpty, ciphertext.count % 16 == 0 else {
            throw .badCiphertextLength(ciphertext.count)
        }
        let padded: [UInt8]
        do {
            padded = Array(try AES._CBC.decrypt(ciphertext, using: key, iv: iv, noPadding: true))
        } catch {
            throw .badCiphertextLength(ciphertext.count)
        }
        guard padded.count % Self.paddingBlockSize == 0, let padByte = padded.last,
            (1...UInt8(Self.paddingBlockSize)).contains(padByte),
            padded.suffix(Int(padByte)).allSatisfy({ $0 == padByte })
        else { throw .badPadding }
        let content = padded.dropLast(Int(padByte))
        guard content.count >= 20 else {
            throw .badLayout("\(content.count) bytes are too short for the random prefix and length field")
        }
        let length = content[content.startIndex + 16..<content.startIndex + 20].reduce(0) { $0 << 8 | Int($1) }
        guard 20 + length <= content.count else {
            throw .badLayout("msg_len \(length) exceeds the \(content.count - 20) bytes that follow it")
        }
        let messageStart = content.startIndex + 20
        return WeComPlaintext(
            random: Array(content[content.startIndex..<messageStart - 4]),
            messageLength: length,
            message: Data(content[messageStart..<messageStart + length]),
            receiveIDBytes: Array(content[(messageStart + length)...]),
            padByte: padByte,
            paddedLength: padded.count
        )
    }

    /// Encrypts `message` for `receiveID` behind the given 16 random bytes; returns base64.
    public func encrypt(_ message: some Collection<UInt8>, receiveID: String, random16: [UInt8]) throws(ChannelError)
        -> String
    {
        try encryptPadded(Self.paddedPlaintext(message, receiveID: receiveID, random16: random16))
    }

    /// Encrypts data that is already padded to whole blocks; returns base64.
    func encryptPadded(_ plaintext: [UInt8]) throws(ChannelError) -> String {
        guard plaintext.count % 16 == 0 else {
            throw .invalidArgument("padded plaintext of \(plaintext.count) bytes is not a whole number of blocks")
        }
        do {
            return try AES._CBC.encrypt(plaintext, using: key, iv: iv, noPadding: true).base64EncodedString()
        } catch {
            throw .invalidConfiguration("AES encryption failed")
        }
    }

    /// The padded AES input for `message`: `random16 | be32(len) | message | receiveID | pad`.
    static func paddedPlaintext(_ message: some Collection<UInt8>, receiveID: String, random16: [UInt8])
        throws(ChannelError) -> [UInt8]
    {
        guard random16.count == 16 else {
            throw .invalidArgument("the random prefix must be 16 bytes, not \(random16.count)")
        }
        guard let length = UInt32(exactly: message.count) else {
            throw .invalidArgument("a message of \(message.count) bytes does not fit WeCom's 32-bit length field")
        }
        var bytes = random16
        bytes += [
            UInt8(length >> 24 & 0xff), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff),
        ]
        bytes += message
        bytes += Array(receiveID.utf8)
        let pad = paddingBlockSize - bytes.count % paddingBlockSize
        bytes += [UInt8](repeating: UInt8(pad), count: pad)
        return bytes
    }

    /// 16 fresh random bytes for ``encrypt(_:receiveID:random16:)`` from the system CSPRNG.
    public static func randomPrefix() -> [UInt8] {
        // Two 64-bit draws rather than sixteen 8-bit ones: each draw is a system call.
        var generator = SystemRandomNumberGenerator()
        let words = [generator.next() as UInt64, generator.next() as UInt64]
        return words.withUnsafeBytes { Array($0) }
    }
}

extension WeComCrypto: CustomStringConvertible, CustomReflectable {
    /// Names the type without the key, so that logging a configuration leaks nothing.
    public var description: String { "WeComCrypto(key: <redacted>)" }

    /// An empty mirror, so that `dump` and debuggers do not print the key either.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
