import FuzzChecks

/// libFuzzer's entry point for the `roster` target; build with `-sanitize=fuzzer,address -parse-as-library`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMe(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    FuzzTarget.roster.fuzz(start, count)
}

/// SwiftPM links an executable with `main` defined as `<target>_main`, which `-parse-as-library`
/// leaves undefined; this one hands the process to libFuzzer's driver.
@_cdecl("FuzzRoster_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return llvmFuzzerRunDriver(&argc, &argv, fuzzMe)
}

@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ test: @convention(c) (UnsafeRawPointer?, Int) -> CInt
) -> CInt
