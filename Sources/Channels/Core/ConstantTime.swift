/// Comparison of secrets and signatures whose running time does not depend on where the
/// inputs first differ, so that an attacker cannot learn a valid signature byte by byte.
public enum ConstantTime {
    /// Whether both byte sequences are equal, examining every byte.
    ///
    /// The lengths are compared first: signature lengths are public (fixed by the algorithm),
    /// so an early exit on length reveals nothing an attacker does not already know.
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) {
            difference |= left ^ right
        }
        return difference == 0
    }

    /// Whether both strings have the same UTF-8 bytes, examining every byte.
    public static func equals(_ lhs: String, _ rhs: String) -> Bool {
        equals(Array(lhs.utf8), Array(rhs.utf8))
    }
}
