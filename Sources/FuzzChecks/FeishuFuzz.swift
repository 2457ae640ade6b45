import Channels
import Crypto
import Foundation
import _CryptoExtras

/// The Feishu event decoder and decryptor.
///
/// The first byte chooses what the rest is: 0 a raw request body, 1 a plaintext event that is
/// encrypted and signed here (with an encryptor of our own, not the one under test) and must
/// decode exactly as the same event sent in the clear, 2 an `encrypt` value to decrypt.
enum FeishuFuzz {
    // The configuration of the protocol vectors (Tests/ChannelsTests/Fixtures/feishu.json).
    static let encryptKey = "FsPolicyBotEncryptKey2024abcdEFGH"
    static let token = "vtPolicyBotVerificationToken2024"
    static let timestamp = "1732500000"
    static let nonce = "fuzz-nonce"
    static let iv: [UInt8] = Array(16..<32)

    static let plain = FeishuEventDecoder(verificationToken: token)
    static let encrypted = FeishuEventDecoder(verificationToken: token, encryptKey: encryptKey)
    static let mentioning = FeishuEventDecoder(verificationToken: token, botOpenID: "ou_bot")

    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        guard let mode = input.first else { return }
        let rest = Data(input[1...])
        switch mode % 3 {
        case 0:
            for decoder in [plain, encrypted, mentioning] {
                _ = try? decoder.decode(headers: [:], body: rest, nowSeconds: nil)
            }
        case 1: try roundTrip(rest)
        default:
            if let plaintext = try? FeishuCrypto.decrypt(String(decoding: rest, as: UTF8.self), encryptKey: encryptKey)
            {
                try expect(
                    String(validating: plaintext, as: UTF8.self) != nil, "decrypt returned bytes that are not UTF-8")
            }
        }
    }

    /// What Feishu sends with encryption on: AES-256-CBC under SHA-256(Encrypt Key), IV first, PKCS#7.
    static func encrypt(_ plaintext: Data) -> String {
        let pad = 16 - plaintext.count % 16
        let padded = Array(plaintext) + [UInt8](repeating: UInt8(pad), count: pad)
        let key = SymmetricKey(data: Array(SHA256.hash(data: Array(encryptKey.utf8))))
        let ciphertext = try! AES._CBC.encrypt(padded, using: key, iv: try! AES._CBC.IV(ivBytes: iv), noPadding: true)
        return (Data(iv) + ciphertext).base64EncodedString()
    }

    static func roundTrip(_ plaintext: Data) throws(FuzzFailure) {
        let sealed = encrypt(plaintext)
        let isUTF8 = String(validating: plaintext, as: UTF8.self) != nil
        switch Result(catching: { () throws(ChannelError) in try FeishuCrypto.decrypt(sealed, encryptKey: encryptKey) })
        {
        case .success(let opened):
            try expect(opened == plaintext, "decrypt(encrypt(p)) is not p")
        case .failure(let error):
            try expect(!isUTF8, "decrypt refused an encrypted UTF-8 payload: \(error)")
        }
        let body = Data(#"{"encrypt":"\#(sealed)"}"#.utf8)
        let headers = [
            "X-Lark-Signature": FeishuCrypto.signature(
                timestamp: timestamp, nonce: nonce, encryptKey: encryptKey, body: body),
            "X-Lark-Request-Timestamp": timestamp, "X-Lark-Request-Nonce": nonce,
        ]
        let viaEncryption = Result { () throws(ChannelError) in
            try encrypted.decode(headers: headers, body: body, nowSeconds: 1_732_500_000)
        }
        guard isUTF8, !plaintext.isEmpty else { return }
        let inTheClear = Result { () throws(ChannelError) in
            try plain.decode(headers: [:], body: plaintext, nowSeconds: nil)
        }
        switch (viaEncryption, inTheClear) {
        case (.success(let a), .success(let b)):
            try expect(a == b, "the encrypted event decodes as \(a), the same in the clear as \(b)")
        case (.failure(let error), .success(let event)):
            // A payload that is itself an `encrypt` envelope cannot be told from one in the clear.
            if case .malformed = error, plaintextHasEncrypt(plaintext) { return }
            throw FuzzFailure("the encrypted event was refused (\(error)) but reads in the clear as \(event)")
        case (.success(let event), .failure(let error)):
            if plaintextHasEncrypt(plaintext) { return }
            throw FuzzFailure("the event in the clear was refused (\(error)) but reads encrypted as \(event)")
        case (.failure, .failure):
            break
        }
    }

    static func plaintextHasEncrypt(_ plaintext: Data) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: plaintext) as? [String: Any] else { return true }
        return object["encrypt"] != nil
    }
}

extension Result where Failure == ChannelError {
    init(_ body: () throws(ChannelError) -> Success) {
        do {
            self = .success(try body())
        } catch {
            self = .failure(error)
        }
    }
}
