import Foundation
import Testing

@testable import Channels

/// The shared helpers every platform codec relies on.
struct CoreTests {
    @Test(arguments: [
        ("", [UInt8]()), ("QQ==", [0x41]), ("QR==", [0x41]), ("QUI=", [0x41, 0x42]), ("QUJ=", [0x41, 0x42]),
        ("QUJD", [0x41, 0x42, 0x43]), ("+/+/", [0xfb, 0xff, 0xbf]),
    ])
    func lenientBase64DecodesAndIgnoresTrailingBits(text: String, bytes: [UInt8]) {
        #expect(LenientBase64.decode(text) == bytes)
    }

    @Test(arguments: ["Q", "QQ=", "Q===", "QQ=A", "=QQQ", "QU JD", "QUJD\n", "QU-_", "QUJD====", "你好你好"])
    func lenientBase64StillRefusesBrokenStructure(text: String) {
        #expect(LenientBase64.decode(text) == nil)
    }

    @Test func lenientBase64AgreesWithFoundationOnCanonicalInput() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            #expect(LenientBase64.decode(Data(bytes).base64EncodedString()) == bytes)
        }
    }

    @Test("the random prefix of a WeCom message is 16 bytes and differs from one message to the next")
    func randomPrefixIsFresh() {
        let prefixes = (0..<64).map { _ in WeComCrypto.randomPrefix() }
        #expect(prefixes.allSatisfy { $0.count == 16 })
        #expect(Set(prefixes.map { Data($0) }).count == 64)
        #expect(Set(prefixes.flatMap { $0 }).count > 200)
    }

    @Test func constantTimeComparison() {
        #expect(ConstantTime.equals("abc", "abc"))
        #expect(!ConstantTime.equals("abc", "abd"))
        #expect(!ConstantTime.equals("abc", "ab"))
        #expect(ConstantTime.equals([UInt8](), [UInt8]()))
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
    }

    @Test func decimalIntegersAreStrict() {
        #expect(DecimalInteger.parse("1732500000123") == 1_732_500_000_123)
        #expect(DecimalInteger.parse("0") == 0)
        for text in ["", "+1", "-1", " 1", "1.0", "1e3", "１２", String(repeating: "9", count: 19)] {
            #expect(DecimalInteger.parse(text) == nil, "\(text)")
        }
    }

    @Test func utf8TruncationNeverSplitsACharacter() {
        #expect("abc".truncatedToUTF8(maxBytes: 3) == "abc")
        #expect("政策".truncatedToUTF8(maxBytes: 5) == "政")
        #expect("👍🏽x".truncatedToUTF8(maxBytes: 7) == "")
        #expect("👍🏽x".truncatedToUTF8(maxBytes: 9) == "👍🏽x")
    }

    @Test(arguments: [
        (ChannelError.missingParameter("nonce"), 400), (.malformed("x"), 400), (.badBase64, 400),
        (.badCiphertextLength(3), 400), (.badPadding, 400), (.badLayout("x"), 400), (.invalidTimestamp("t"), 400),
        (.wrongReceiver, 403), (.badSignature(.wecom), 403), (.badSignature(.dingtalk), 403),
        (.badSignature(.feishu), 401), (.staleTimestamp(.dingtalk), 403), (.staleTimestamp(.feishu), 401),
        (.missingSignature(.feishu), 401), (.badVerificationToken, 401), (.invalidConfiguration("x"), 500),
        (.invalidArgument("x"), 500),
    ])
    func errorsMapToTheVectorsStatuses(error: ChannelError, status: Int) {
        #expect(error.httpStatus == status)
        #expect(error.description.hasSuffix("."))
    }

    @Test func weComPaddingBytesMustAllBeEqual() throws {
        let crypto = try WeComCrypto(encodingAESKey: WeComTests.aesKey)
        var padded = try WeComCrypto.paddedPlaintext(
            Array("hi".utf8), receiveID: "", random16: Array(repeating: 1, count: 16))
        #expect(try crypto.decrypt(try crypto.encryptPadded(padded)).message == Data("hi".utf8))
        padded[padded.count - 2] ^= 1
        #expect(
            thrownError { () throws(ChannelError) in try crypto.decrypt(try crypto.encryptPadded(padded)) }
                == .badPadding)
        // A 16-byte-aligned plaintext cannot be PKCS#7 padded to 32-byte blocks.
        let half = Array(repeating: UInt8(4), count: 48)
        #expect(
            thrownError { () throws(ChannelError) in try crypto.decrypt(try crypto.encryptPadded(half)) } == .badPadding
        )
    }

    @Test func feishuPaddingBytesMustAllBeEqual() throws {
        let key = "k", iv = Array(repeating: UInt8(9), count: 16)
        var padded = Array("{}".utf8) + Array(repeating: UInt8(14), count: 14)
        #expect(
            try FeishuCrypto.decrypt(try FeishuCrypto.encryptPadded(padded, encryptKey: key, iv: iv), encryptKey: key)
                == Data("{}".utf8))
        padded[3] = 13
        #expect(
            thrownError { () throws(ChannelError) in
                try FeishuCrypto.decrypt(
                    try FeishuCrypto.encryptPadded(padded, encryptKey: key, iv: iv), encryptKey: key)
            } == .badPadding)
        // Only the IV and no ciphertext block.
        #expect(
            thrownError { () throws(ChannelError) in
                try FeishuCrypto.decrypt(Data(iv).base64EncodedString(), encryptKey: key)
            } == .badCiphertextLength(16))
    }
}
