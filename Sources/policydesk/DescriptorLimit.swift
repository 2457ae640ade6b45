#if canImport(Glibc)
    import Glibc
#endif

/// The process's limit on open files, which bounds the connections the server can hold.
enum DescriptorLimit {
    /// Raises the soft limit to the hard limit and returns both as they are afterwards.
    ///
    /// Most systems start a process with a soft limit of 1,024 descriptors: idle clients alone could
    /// then lock everyone else out. The hard limit is what the administrator allows; going up to it
    /// needs no privilege.
    static func raiseToHard() -> (soft: UInt64, hard: UInt64)? {
        #if canImport(Glibc)
            var limit = rlimit()
            guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
            if limit.rlim_cur < limit.rlim_max {
                var raised = limit
                raised.rlim_cur = limit.rlim_max
                if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
            }
            return (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
        #else
            return nil
        #endif
    }
}
