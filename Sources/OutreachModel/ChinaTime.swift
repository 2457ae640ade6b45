public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Times as staff and enterprises read them: China Standard Time (UTC+8, no daylight saving).
public enum ChinaTime {
    /// A date as `2025-03-01`.
    public static func day(_ date: Date) -> String {
        String(time(date).prefix(10))
    }

    /// A time as `2025-03-01 14:05:09`.
    public static func time(_ date: Date) -> String {
        var seconds = time_t(floor(date.timeIntervalSince1970)) + 8 * 3_600
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d", Int(parts.tm_year) + 1_900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
