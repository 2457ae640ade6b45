import CCurl
import Foundation

/// One blocking libcurl exchange: configure a pooled handle, perform, collect the answer.
enum CurlTransfer {
    /// Runs the request on `handle` and leaves the handle reset (its connections kept) for
    /// the next transfer.
    static func perform(
        _ request: OutboundRequest,
        on handle: CurlEasyHandle,
        configuration: CurlTransport.Configuration,
        cancellation: CurlCancellationFlag
    ) -> Result<OutboundResponse, TransportError> {
        let curl = handle.raw
        // Reset first and last: options from the previous request must not leak into this
        // one, and no pointer into this function's buffers may outlive it in the handle.
        curl_easy_reset(curl)
        defer { curl_easy_reset(curl) }

        if let problem = validate(request) { return .failure(problem) }

        let sink = CurlResponseSink(limit: configuration.maxResponseBytes, cancellation: cancellation)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        var setupStatus = CURLE_OK
        func apply(_ status: CURLcode) {
            if setupStatus == CURLE_OK { setupStatus = status }
        }

        apply(pd_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer))
        apply(pd_curl_setopt_string(curl, CURLOPT_URL, request.url))
        apply(pd_curl_setopt_string(curl, CURLOPT_PROTOCOLS_STR, "http,https"))
        // Signals cannot be used for timeouts in a multithreaded process.
        apply(pd_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1))
        apply(pd_curl_setopt_long(curl, CURLOPT_TIMEOUT_MS, milliseconds(request.timeout)))
        apply(
            pd_curl_setopt_long(
                curl, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(request.connectTimeout ?? request.timeout)))
        apply(pd_curl_setopt_long(curl, CURLOPT_TCP_KEEPALIVE, 1))
        apply(pd_curl_setopt_string(curl, CURLOPT_USERAGENT, configuration.userAgent))
        // An empty string offers every encoding libcurl can decode; bodies arrive decoded.
        apply(pd_curl_setopt_string(curl, CURLOPT_ACCEPT_ENCODING, ""))

        apply(pd_curl_setopt_pointer(curl, CURLOPT_WRITEDATA, context))
        apply(
            pd_curl_setopt_callback(curl, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                guard let context else { return 0 }
                let sink = Unmanaged<CurlResponseSink>.fromOpaque(context).takeUnretainedValue()
                let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
                // Any count other than the one offered makes libcurl abort with CURLE_WRITE_ERROR.
                return sink.appendBody(bytes) ? size * count : 0
            })
        apply(pd_curl_setopt_pointer(curl, CURLOPT_HEADERDATA, context))
        apply(
            pd_curl_setopt_callback(curl, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                guard let context else { return 0 }
                let sink = Unmanaged<CurlResponseSink>.fromOpaque(context).takeUnretainedValue()
                sink.appendHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
                return size * count
            })
        apply(pd_curl_setopt_long(curl, CURLOPT_NOPROGRESS, 0))
        apply(pd_curl_setopt_pointer(curl, CURLOPT_XFERINFODATA, context))
        apply(
            pd_curl_setopt_progress(curl) { context, _, _, _, _ in
                guard let context else { return 0 }
                let sink = Unmanaged<CurlResponseSink>.fromOpaque(context).takeUnretainedValue()
                return sink.cancellation.isCancelled ? 1 : 0
            })

        configureMethodAndBody(request, on: curl, apply: apply)

        var headerLines = request.headers.map { name, value in
            // "Name:" with nothing after it would delete the header; "Name;" sends it empty.
            value.isEmpty ? "\(name);" : "\(name): \(value)"
        }
        if !request.headers.contains(where: { $0.0.caseInsensitiveCompare("Expect") == .orderedSame }) {
            // libcurl would otherwise wait up to a second for "100 Continue" before larger bodies.
            headerLines.append("Expect:")
        }
        for line in headerLines {
            // On allocation failure libcurl returns NULL and leaves the old list alone.
            guard let extended = curl_slist_append(headerList, line) else {
                apply(CURLE_OUT_OF_MEMORY)
                break
            }
            headerList = extended
        }
        apply(pd_curl_setopt_slist(curl, CURLOPT_HTTPHEADER, headerList))

        guard setupStatus == CURLE_OK else {
            return .failure(.other(code: Int(setupStatus.rawValue), message: message(for: setupStatus, errorBuffer)))
        }

        let status = withExtendedLifetime(sink) { curl_easy_perform(curl) }
        guard status == CURLE_OK else {
            return .failure(error(for: status, errorBuffer: errorBuffer, sink: sink, configuration: configuration))
        }
        var responseCode = 0
        _ = pd_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &responseCode)
        return .success(OutboundResponse(status: responseCode, headers: sink.headers, body: sink.body))
    }

    private static func configureMethodAndBody(
        _ request: OutboundRequest,
        on curl: UnsafeMutableRawPointer,
        apply: (CURLcode) -> Void
    ) {
        let method = request.method
        if method == .head {
            apply(pd_curl_setopt_long(curl, CURLOPT_NOBODY, 1))
            return
        }
        let sendsBody = !request.body.isEmpty || method == .post || method == .put || method == .patch
        if !sendsBody {
            apply(pd_curl_setopt_long(curl, CURLOPT_HTTPGET, 1))
            if method != .get { apply(pd_curl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, method.rawValue)) }
            return
        }
        // COPYPOSTFIELDS copies the bytes, so the Data need not outlive this call; the size must
        // be set first so that bodies containing NUL bytes are not cut short.
        apply(pd_curl_setopt_offset(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
        if request.body.isEmpty {
            apply(pd_curl_setopt_string(curl, CURLOPT_COPYPOSTFIELDS, ""))
        } else {
            request.body.withUnsafeBytes { bytes in
                apply(
                    pd_curl_setopt_pointer(
                        curl, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)))
            }
        }
        if method != .post { apply(pd_curl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, method.rawValue)) }
    }

    /// Rejects what would let a caller's data rewrite the request line or inject headers.
    private static func validate(_ request: OutboundRequest) -> TransportError? {
        let badArgument = Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue)
        let method = request.method.rawValue
        if method.isEmpty
            || !method.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || $0 == "-" || $0 == "_")
            })
        {
            return .other(code: badArgument, message: "the HTTP method is not a valid token")
        }
        for (name, value) in request.headers {
            let nameIsToken =
                !name.isEmpty
                && name.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0 != ":" && $0.value != 127 }
            let valueIsSafe = !value.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
            if !nameIsToken || !valueIsSafe {
                // The value is left out on purpose: it may be a credential.
                return .other(
                    code: badArgument,
                    message: "the header named \(String(name.prefix(64)).debugDescription) is not valid HTTP")
            }
        }
        return nil
    }

    private static func error(
        for status: CURLcode,
        errorBuffer: UnsafeMutablePointer<CChar>,
        sink: CurlResponseSink,
        configuration: CurlTransport.Configuration
    ) -> TransportError {
        let code = Int(status.rawValue)
        if sink.exceededLimit {
            return .other(
                code: code, message: "the response body exceeded the \(configuration.maxResponseBytes)-byte limit")
        }
        if status == CURLE_ABORTED_BY_CALLBACK && sink.cancellation.isCancelled {
            return .other(code: code, message: "the request was cancelled")
        }
        let detail = message(for: status, errorBuffer)
        switch status {
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidURL
        case CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT,
            CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_SSL_CONNECT_ERROR,
            CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_PROXY:
            return .connectionFailed(detail)
        default:
            return .other(code: code, message: detail)
        }
    }

    /// libcurl's detailed message when it wrote one, its generic one otherwise; URLs inside
    /// are redacted because their queries may hold secrets.
    private static func message(for status: CURLcode, _ errorBuffer: UnsafeMutablePointer<CChar>) -> String {
        var text = String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty, let generic = curl_easy_strerror(status) { text = String(cString: generic) }
        return URLRedaction.scrub(text)
    }

    /// libcurl takes whole milliseconds and treats 0 as "no timeout", so round up to at least 1.
    private static func milliseconds(_ duration: Duration) -> Int {
        let total = duration / .milliseconds(1)
        guard total > 0 else { return 1 }
        return total >= Double(Int.max / 2) ? Int.max / 2 : Int(total.rounded(.up))
    }
}

/// Collects a response while libcurl calls back on the transfer thread.
///
/// Only that one thread touches it during `curl_easy_perform`, and it is read only after
/// that call returned, so it needs no lock.
final class CurlResponseSink {
    /// Set by the calling task's cancellation handler; read by the progress callback.
    let cancellation: CurlCancellationFlag
    /// The body bytes received so far.
    private(set) var body = Data()
    /// The headers of the latest response (an earlier `100 Continue` or proxy answer is dropped).
    private(set) var headers: [(String, String)] = []
    /// Whether the body was cut off at the size limit.
    private(set) var exceededLimit = false
    private let limit: Int

    /// Creates an empty sink that accepts at most `limit` body bytes.
    init(limit: Int, cancellation: CurlCancellationFlag) {
        self.limit = limit
        self.cancellation = cancellation
    }

    /// Appends body bytes; `false` stops the transfer because the limit would be exceeded.
    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= limit else {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// Records one raw header line as libcurl delivers it, CRLF included.
    func appendHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
        let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        headers.append((name, value))
    }
}
