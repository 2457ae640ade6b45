import Foundation
import Testing

@testable import Server

/// Staff passwords as scrypt keeps them.
@Suite("Staff passwords: scrypt hashes")
struct PasswordHashTests {
    @Test("a hash verifies its own password and no other, and reads back from its encoded form")
    func verifies() throws {
        let hash = try PasswordHash.make(password: "正确的密码 1", rounds: 1 << 10)
        #expect(hash.verifies("正确的密码 1"))
        #expect(!hash.verifies("正确的密码 2"))
        #expect(!hash.verifies(""))
        let read = try #require(PasswordHash(encoded: hash.encoded))
        #expect(read == hash)
        #expect(read.verifies("正确的密码 1"))
    }

    @Test("the encoded form holds the parameters and a 16-byte salt; two hashes of one password differ")
    func encoding() throws {
        let first = try PasswordHash.make(password: "same", rounds: 1 << 10, blockSize: 8, parallelism: 1)
        let second = try PasswordHash.make(password: "same", rounds: 1 << 10, blockSize: 8, parallelism: 1)
        #expect(first.encoded.hasPrefix("scrypt$1024$8$1$"))
        #expect(first.salt.count == 16 && first.key.count == 32)
        #expect(first.salt != second.salt)
        #expect(first.encoded != second.encoded)
        #expect(PasswordHash.defaultRounds == 32768)
    }

    @Test(
        "an encoded hash this version cannot check safely is not read",
        arguments: [
            "", "scrypt", "bcrypt$1024$8$1$c2FsdA$a2V5", "scrypt$1000$8$1$c2FsdA$a2V5", "scrypt$512$8$1$c2FsdA$a2V5",
            "scrypt$4194304$8$1$c2FsdA$a2V5", "scrypt$1024$0$1$c2FsdA$a2V5", "scrypt$1024$8$99$c2FsdA$a2V5",
            "scrypt$1024$8$1$$a2V5", "scrypt$1024$8$1$c2FsdA$", "scrypt$1024$8$1$!!$a2V5",
            "scrypt$1024$8$1$c2FsdA$a2V5$x",
        ])
    func refusesOddHashes(_ encoded: String) {
        #expect(PasswordHash(encoded: encoded) == nil)
    }
}
