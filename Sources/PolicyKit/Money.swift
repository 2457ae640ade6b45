/// Formatting of integer yuan the way the plan writes amounts (「20万元」, 「1.2亿」).
public enum Money {
    /// The largest amount anyone can state and be taken at their word: 10^13 yuan (10万亿), far above
    /// any subsidy base. Larger figures in questions and rosters are refused rather than computed.
    public static let plausibleYuan: Int64 = 10_000_000_000_000

    /// The amount in 万 or 亿 where that is exact enough to read, otherwise in yuan.
    public static func words(_ yuan: Int64) -> String {
        if yuan == 0 { return "0元" }
        let sign = yuan < 0 ? "-" : ""
        let v = yuan.magnitude
        if v >= 100_000_000, v % 1_000_000 == 0 {
            return sign + decimal(v, unit: 100_000_000) + "亿"
        }
        if v >= 10_000, v % 100 == 0 {
            return sign + decimal(v, unit: 10_000) + "万"
        }
        return sign + grouped(v) + "元"
    }

    /// The amount with thousands separators and 元, as a formal letter writes it.
    public static func yuan(_ yuan: Int64) -> String {
        (yuan < 0 ? "-" : "") + grouped(yuan.magnitude) + "元"
    }

    private static func decimal(_ v: UInt64, unit: UInt64) -> String {
        let whole = v / unit
        var fraction = String(v % unit)
        guard v % unit != 0 else { return "\(whole)" }
        let width = String(unit).count - 1
        fraction = String(repeating: "0", count: width - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }

    private static func grouped(_ v: UInt64) -> String {
        let digits = Array(String(v))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}
