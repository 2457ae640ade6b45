import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The staff pages' templates (`Templates/admin/*.mustache`, HTML-escaped by default) and
/// their stylesheet, loaded once at start.
struct StaffPages: Sendable {
    let library: MustacheLibrary
    let stylesheet: String

    /// The pages every route renders; a missing one stops the start.
    static let required = [
        "login", "home", "kb", "item", "units", "try", "review", "history", "campaigns", "campaign", "message", "head",
        "foot",
    ]

    /// Loads `templates/admin/`; nil when the folder does not exist (the pages are then left out,
    /// the JSON API stays).
    static func load(templates: URL) throws(StartupError) -> StaffPages? {
        let folder = templates.appendingPathComponent("admin")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return nil }
        var library = MustacheLibrary()
        for name in names.sorted() where name.hasSuffix(".mustache") {
            let path = folder.appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                throw StartupError(description: "Templates/admin/\(name) is not readable UTF-8 text")
            }
            do {
                library.register(try MustacheTemplate(string: text), named: String(name.dropLast(".mustache".count)))
            } catch {
                throw StartupError(description: "Templates/admin/\(name) does not compile: \(error)")
            }
        }
        for name in required where library.getTemplate(named: name) == nil {
            throw StartupError(
                description: "Templates/admin/\(name).mustache is missing: every staff page needs its template")
        }
        let css = FileManager.default.contents(atPath: folder.appendingPathComponent("staff.css").path)
        return StaffPages(library: library, stylesheet: css.map { String(decoding: $0, as: UTF8.self) } ?? "")
    }

    /// Headers of every page: never cached (they show live data and a CSRF token), never framed,
    /// nothing loaded from anywhere but this server, no script at all.
    static let headers: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ]

    /// Renders page `name` with `values` (the page's title, who is signed in and the CSRF token
    /// come with them).
    func render(_ name: String, _ values: [String: Any], status: HTTPResponse.Status = .ok, cookie: String? = nil)
        -> Response
    {
        var values = values
        if let session = StaffIdentity.session {
            values["who"] = session.name
            values["csrf"] = StaffIdentity.csrf ?? ""
        }
        let html = library.render(values, withTemplate: name) ?? ""
        var headers = Self.headers
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A redirect after a form (303, so the browser follows with GET and a reload does not post again).
    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }
}

/// The fields of a form: an `application/x-www-form-urlencoded` body, or a `multipart/form-data`
/// one (for a file upload), whose files are kept as bytes.
struct FormFields: Sendable {
    var values: [String: String] = [:]
    /// Uploaded files by field name.
    var files: [String: Data] = [:]
    /// The uploaded files' names as the browser sent them, by field name.
    var fileNames: [String: String] = [:]

    /// The fields of `body` sent with `contentType`.
    init(_ body: Data, contentType: String?) {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = contentType.split(separator: ";").lazy.map({ $0.trimmingCharacters(in: .whitespaces) })
                .first(where: { $0.lowercased().hasPrefix("boundary=") })
        else {
            values = Self.urlencoded(body)
            return
        }
        let delimiter = Array(("--" + boundary.dropFirst("boundary=".count).trimmingCharacters(in: ["\""])).utf8)
        let bytes = Array(body)
        var parts: [ArraySlice<UInt8>] = []
        var start: Int?
        var index = 0
        while let found = Self.find(delimiter, in: bytes, from: index) {
            if let start { parts.append(bytes[start..<max(start, found - 2)]) }  // less the CRLF before the delimiter
            index = found + delimiter.count
            start = index + 2  // past the CRLF after it
        }
        for part in parts {
            guard let split = Self.find(Array("\r\n\r\n".utf8), in: Array(part), from: 0) else { continue }
            let head = String(decoding: part.prefix(split), as: UTF8.self)
            let content = Data(part.dropFirst(split + 4))
            guard
                let disposition = head.split(separator: "\r\n").first(where: {
                    $0.lowercased().hasPrefix("content-disposition:")
                }),
                let name = Self.parameter("name", in: disposition)
            else { continue }
            if let fileName = Self.parameter("filename", in: disposition) {
                files[name] = content
                fileNames[name] = fileName
            } else if values[name] == nil {
                values[name] = String(decoding: content, as: UTF8.self)
            }
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0], haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// `name="value"` of a Content-Disposition line.
    private static func parameter(_ key: String, in line: Substring) -> String? {
        for piece in line.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
        where piece.hasPrefix(key + "=") {
            return String(piece.dropFirst(key.count + 1)).trimmingCharacters(in: ["\""])
        }
        return nil
    }

    /// The fields of an `application/x-www-form-urlencoded` body.
    init(_ body: Data) {
        values = Self.urlencoded(body)
    }

    private static func urlencoded(_ body: Data) -> [String: String] {
        var values: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let key = decode(parts[0])
            if values[key] == nil { values[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return values
    }

    subscript(_ key: String) -> String? { values[key] }
}
