// swift-tools-version:6.1
import PackageDescription

/// One libFuzzer executable per fuzz target. Build and run them with `scripts/fuzz.sh`; the
/// properties each one checks live in the root package's `FuzzChecks`, which `swift test`
/// also runs over `Corpus/` and `FailCases/`.
let fuzzTargets = [
    "FuzzWeCom": "wecom",
    "FuzzFeishu": "feishu",
    "FuzzDingTalk": "dingtalk",
    "FuzzAsk": "ask",
    "FuzzRoster": "roster",
    "FuzzIntents": "intents",
    "FuzzNumbers": "numbers",
]

let package = Package(
    name: "PolicyDeskFuzzTesting",
    platforms: [.macOS(.v15)],
    products: fuzzTargets.keys.sorted().map { .executable(name: $0, targets: [$0]) },
    dependencies: [.package(name: "PolicyDesk", path: "..")],
    targets: fuzzTargets.keys.sorted().map { name in
        .executableTarget(name: name, dependencies: [.product(name: "FuzzChecks", package: "PolicyDesk")])
    }
)
