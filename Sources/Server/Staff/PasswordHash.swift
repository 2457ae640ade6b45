import Channels
import Crypto
import Foundation
import _CryptoExtras

/// A staff password as scrypt keeps it: the parameters, a random salt and the derived key,
/// encoded in one string `scrypt$N$r$p$SALT$KEY` (salt and key in unpadded base64) so that
/// the parameters can be raised later without breaking the hashes already stored.
public struct PasswordHash: Sendable, Equatable {
    /// scrypt's CPU/memory cost N, a power of two.
    public var rounds: Int
    /// scrypt's block size r.
    public var blockSize: Int
    /// scrypt's parallelism p.
    public var parallelism: Int
    /// The per-user random salt.
    public var salt: [UInt8]
    /// The derived key the password must reproduce.
    public var key: [UInt8]

    /// N = 2^15, r = 8, p = 1: 32 MiB and a noticeable fraction of a second per guess, the
    /// interactive-login setting scrypt's author recommends.
    public static let defaultRounds = 1 << 15
    /// Bytes of salt and of derived key.
    static let saltBytes = 16, keyBytes = 32
    /// The bounds a stored hash's parameters must lie in: a row edited by hand must not make a
    /// login take minutes or gigabytes.
    static let roundsRange = (1 << 10)...(1 << 20), blockSizeRange = 1...32, parallelismRange = 1...16

    /// Why a password could not be hashed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Hashes `password` with a fresh random salt.
    public static func make(
        password: String, rounds: Int = defaultRounds, blockSize: Int = 8, parallelism: Int = 1
    ) throws(Failure) -> PasswordHash {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<saltBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        guard let key = derive(password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        else {
            throw Failure(description: "scrypt refused the parameters N=\(rounds) r=\(blockSize) p=\(parallelism)")
        }
        return PasswordHash(rounds: rounds, blockSize: blockSize, parallelism: parallelism, salt: salt, key: key)
    }

    /// Reads an encoded hash; nil when it is not one this version can check.
    public init?(encoded: String) {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt",
            let n = Int(parts[1]), Self.roundsRange.contains(n), n & (n - 1) == 0,
            let r = Int(parts[2]), Self.blockSizeRange.contains(r),
            let p = Int(parts[3]), Self.parallelismRange.contains(p),
            let salt = Self.decode(parts[4]), !salt.isEmpty,
            let key = Self.decode(parts[5]), !key.isEmpty
        else { return nil }
        self.init(rounds: n, blockSize: r, parallelism: p, salt: salt, key: key)
    }

    /// Makes a hash from its parts.
    public init(rounds: Int, blockSize: Int, parallelism: Int, salt: [UInt8], key: [UInt8]) {
        self.rounds = rounds
        self.blockSize = blockSize
        self.parallelism = parallelism
        self.salt = salt
        self.key = key
    }

    /// The form the store keeps.
    public var encoded: String {
        "scrypt$\(rounds)$\(blockSize)$\(parallelism)$\(Self.encode(salt))$\(Self.encode(key))"
    }

    /// Whether `password` derives the same key, compared in constant time.
    public func verifies(_ password: String) -> Bool {
        guard
            let derived = Self.derive(
                password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        else { return false }
        return ConstantTime.equals(derived, key)
    }

    /// A hash no password is known to match, checked when the name is unknown so that a wrong
    /// name costs as long as a wrong password and the answer's timing does not tell names apart.
    public static let decoy = PasswordHash(
        rounds: defaultRounds, blockSize: 8, parallelism: 1, salt: Array(repeating: 0x5A, count: saltBytes),
        key: Array(repeating: 0, count: keyBytes))

    private static func derive(_ password: String, salt: [UInt8], rounds: Int, blockSize: Int, parallelism: Int)
        -> [UInt8]?
    {
        guard
            let key = try? KDF.Scrypt.deriveKey(
                from: Array(password.utf8), salt: salt, outputByteCount: keyBytes, rounds: rounds, blockSize: blockSize,
                parallelism: parallelism)
        else { return nil }
        return key.withUnsafeBytes { Array($0) }
    }

    private static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    private static func decode(_ text: Substring) -> [UInt8]? {
        var padded = String(text)
        while padded.count % 4 != 0 { padded += "=" }
        return Data(base64Encoded: padded).map(Array.init)
    }
}
