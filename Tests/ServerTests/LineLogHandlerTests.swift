import Foundation
import Logging
import Server
import Synchronization
import Testing

/// The server's log lines: StreamLogHandler's format, metadata formatted only when written.
@Suite("Log lines")
struct LineLogHandlerTests {
    private final class Lines: Sendable {
        let all = Mutex<[String]>([])
    }

    @Test(
        "a line has the time, level, label, the metadata sorted by key (set, explicit and error), the source and the message"
    )
    func lineFormat() throws {
        let lines = Lines()
        var logger = Logger(label: "policydesk") { label in
            LineLogHandler(label: label) { line in lines.all.withLock { $0.append(line) } }
        }
        logger[metadataKey: "wecom.msg_id"] = "7400000000000000001"
        logger[metadataKey: "hb.request.id"] = "42"
        logger.notice("answered", metadata: ["match.item": "12.2"])
        logger.info("dropped", metadata: ["hb.request.id": "43"])
        logger.debug("below the level")
        let written = lines.all.withLock { $0 }
        #expect(written.count == 2)
        let first = try #require(written.first)
        #expect(
            first.hasSuffix(
                " notice policydesk: hb.request.id=42 match.item=12.2 wecom.msg_id=7400000000000000001 [ServerTests] answered\n"
            ))
        #expect(first.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} "#, options: .regularExpression) != nil)
        #expect(
            written[1].hasSuffix(
                " info policydesk: hb.request.id=43 wecom.msg_id=7400000000000000001 [ServerTests] dropped\n"))
    }

    @Test("metadata set on a copy of the logger stays on that copy")
    func metadataIsAValue() {
        let lines = Lines()
        let base = Logger(label: "x") { label in
            LineLogHandler(label: label) { line in lines.all.withLock { $0.append(line) } }
        }
        var request = base
        request[metadataKey: "hb.request.id"] = "1"
        base.info("plain")
        request.info("tagged")
        let written = lines.all.withLock { $0 }
        #expect(written[0].hasSuffix(" info x: [ServerTests] plain\n"))
        #expect(written[1].hasSuffix(" info x: hb.request.id=1 [ServerTests] tagged\n"))
    }
}
