import Crypto
public import Foundation
import _CryptoExtras

/// Feishu's Encrypt Key scheme: AES-256-CBC with key SHA256(encryptKey), a random IV sent in
/// front of the ciphertext, PKCS#7 padding; and the `X-Lark-Signature` request signature.
public enum FeishuCrypto {
    /// The AES key: SHA-256 of the Encrypt Key's UTF-8 bytes.
    static func aesKey(encryptKey: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(encryptKey.utf8)))
    }

    /// Decrypts the `encrypt` field of a request body into the plaintext JSON bytes.
    ///
    /// Checks what lark-oapi checks (base64, at least IV plus one block, whole blocks, every
    /// padding byte) and additionally that the plaintext is UTF-8, so that a wrong key fails
    /// here rather than in the JSON parser.
    public static func decrypt(_ encrypted: String, encryptKey: String) throws(ChannelError) -> Data {
        guard let raw = LenientBase64.decode(encrypted) else { throw .badBase64 }
        guard raw.count >= 32, raw.count % 16 == 0 else { throw .badCiphertextLength(raw.count) }
        let padded: [UInt8]
        do {
            let iv = try AES._CBC.IV(ivBytes: raw[0..<16])
            let key = SymmetricKey(data: aesKey(encryptKey: encryptKey))
            padded = Array(try AES._CBC.decrypt(raw[16...], using: key, iv: iv, noPadding: true))
        } catch {
            throw .badCiphertextLength(raw.count)
        }
        guard let padByte = padded.last, (1...16).contains(padByte), padded.count >= Int(padByte),
            padded.suffix(Int(padByte)).allSatisfy({ $0 == padByte })
        else { throw .badPadding }
        let plaintext = padded.dropLast(Int(padByte))
        guard String(validating: plaintext, as: UTF8.self) != nil else {
            throw .malformed("the decrypted Feishu payload is not UTF-8")
        }
        return Data(plaintext)
    }

    /// Encrypts `plaintext` the way Feishu does, with a caller-chosen IV; used to build test
    /// payloads, since the server itself never encrypts for Feishu.
    static func encrypt(_ plaintext: some Collection<UInt8>, encryptKey: String, iv: [UInt8]) throws(ChannelError)
        -> String
    {
        let pad = 16 - plaintext.count % 16
        return try encryptPadded(
            Array(plaintext) + [UInt8](repeating: UInt8(pad), count: pad), encryptKey: encryptKey, iv: iv)
    }

    /// Encrypts data already padded to whole blocks and prefixes the IV; returns base64.
    static func encryptPadded(_ padded: [UInt8], encryptKey: String, iv ivBytes: [UInt8]) throws(ChannelError)
        -> String
    {
        do {
            let iv = try AES._CBC.IV(ivBytes: ivBytes)
            let key = SymmetricKey(data: aesKey(encryptKey: encryptKey))
            let ciphertext = try AES._CBC.encrypt(padded, using: key, iv: iv, noPadding: true)
            return (Data(ivBytes) + ciphertext).base64EncodedString()
        } catch {
            throw .invalidArgument("the IV must be 16 bytes and the data whole blocks")
        }
    }

    /// `X-Lark-Signature`: lower-case hex SHA-256 (not HMAC) of timestamp, nonce and Encrypt
    /// Key followed by the raw body bytes exactly as received.
    public static func signature(timestamp: String, nonce: String, encryptKey: String, body: Data) -> String {
        var hasher = SHA256()
        hasher.update(data: Array((timestamp + nonce + encryptKey).utf8))
        hasher.update(data: body)
        return Hex.encode(hasher.finalize())
    }
}
