import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads the child elements of WeCom's flat `<xml>…</xml>` documents into a dictionary.
///
/// A real XML parser is used because WeCom wraps values in CDATA or not, as it pleases
/// (Tencent's own sample inbound message has none), and string matching would get escapes,
/// entities and whitespace wrong.
enum WeComXMLFields {
    /// The text of each element directly below the root, CDATA and character data joined.
    static func parse(_ data: Data, what: String) throws(ChannelError) -> [String: String] {
        // WeCom never sends a DTD; refusing one up front rules out entity-expansion attacks
        // whatever the underlying libxml2 is configured to do.
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!doctype".utf8)) != nil {
            throw .malformed("\(what) contains a DTD")
        }
        let collector = FieldCollector()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = collector
        guard parser.parse(), collector.sawRoot else {
            throw .malformed("\(what) is not well-formed XML")
        }
        if let name = collector.duplicate {
            throw .malformed("\(what) has more than one <\(name)> element")
        }
        return collector.fields
    }
}

/// Collects depth-2 element text; lives only for one synchronous parse, so it needs no locking.
private final class FieldCollector: NSObject, XMLParserDelegate {
    var fields: [String: String] = [:]
    var duplicate: String?
    var sawRoot = false
    private var depth = 0
    private var currentName: String?
    private var buffer = ""

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        depth += 1
        if depth == 1 { sawRoot = true }
        if depth == 2 {
            currentName = elementName
            buffer = ""
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if depth == 2 { buffer += string }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        if depth == 2 { buffer += String(decoding: CDATABlock, as: UTF8.self) }
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
    ) {
        if depth == 2, let name = currentName {
            if fields[name] != nil { duplicate = name } else { fields[name] = buffer }
            currentName = nil
        }
        depth -= 1
    }
}
