public import Foundation

/// The fuzz targets, each named as its folder under `FuzzTesting/Corpus/` and `FuzzTesting/FailCases/`.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The WeCom envelope, message parser, decryptor and passive reply.
    case wecom
    /// The Feishu event parser and decryptor.
    case feishu
    /// The DingTalk body parser and signature check.
    case dingtalk
    /// The `/v1/ask` body.
    case ask
    /// The roster CSV reader, UTF-8 and GB18030.
    case roster
    /// The `Intents/` loader and the line-preserving editor.
    case intents
    /// The number reader, fact extractor and calculator.
    case numbers

    /// Checks one input. Throws when a property the target stands for does not hold; a trap in
    /// the code under test is a finding too, and libFuzzer records it as a crash.
    public func check(_ input: [UInt8]) throws(FuzzFailure) {
        switch self {
        case .wecom: try WeComFuzz.check(input)
        case .feishu: try FeishuFuzz.check(input)
        case .dingtalk: try DingTalkFuzz.check(input)
        case .ask: try AskFuzz.check(input)
        case .roster: try RosterFuzz.check(input)
        case .intents: try IntentsFuzz.check(input)
        case .numbers: try NumbersFuzz.check(input)
        }
    }

    /// The libFuzzer entry point's body: checks the input and stops the process on a failure,
    /// so that libFuzzer keeps the input as a crash.
    public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> Int32 {
        let input = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
        do {
            try check(input)
        } catch {
            fatalError("\(rawValue): \(error)")
        }
        return 0
    }
}

/// A property of a target that one input broke.
public struct FuzzFailure: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}

/// Throws a failure unless `condition` holds.
func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws(FuzzFailure) {
    if !condition { throw FuzzFailure(message()) }
}

/// The input split at the first `separator`: (before, after), or (all, nil).
func split(_ bytes: ArraySlice<UInt8>, at separator: UInt8 = 0) -> (ArraySlice<UInt8>, ArraySlice<UInt8>?) {
    guard let i = bytes.firstIndex(of: separator) else { return (bytes, nil) }
    return (bytes[bytes.startIndex..<i], bytes[(i + 1)...])
}

/// The repository's root, found from this file's place in it, for the shipped `Intents/` and `Templates/`.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
