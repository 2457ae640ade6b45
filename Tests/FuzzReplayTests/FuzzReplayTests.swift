import Foundation
import FuzzChecks
import Testing

/// Replays every committed fuzz input (the seeds in FuzzTesting/Corpus/ and the minimized
/// findings in FuzzTesting/FailCases/) through the same checks the fuzzers run, so that the
/// ordinary `swift test` guards each finding without the sanitizer build.
@Suite struct FuzzReplayTests {
    static let fuzzTesting = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("FuzzTesting")

    struct Input: CustomTestStringConvertible, Sendable {
        let target: FuzzTarget
        let path: String
        var testDescription: String { "\(target.rawValue) \(path)" }
    }

    /// The inputs under `folder/<target>/`, in a stable order.
    static func inputs(_ folder: String) -> [Input] {
        FuzzTarget.allCases.flatMap { target in
            let directory = fuzzTesting.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map {
                Input(target: target, path: directory.appendingPathComponent($0).path)
            }
        }
    }

    @Test func theSeedCorporaAreThere() {
        for target in FuzzTarget.allCases {
            #expect(Self.inputs("Corpus").contains { $0.target == target }, "no seeds for \(target.rawValue)")
        }
    }

    @Test(arguments: inputs("FailCases"))
    func failCase(_ input: Input) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: input.path)))
        #expect(throws: Never.self) { try input.target.check(bytes) }
    }

    @Test(arguments: inputs("Corpus"))
    func seed(_ input: Input) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: input.path)))
        #expect(throws: Never.self) { try input.target.check(bytes) }
    }
}
