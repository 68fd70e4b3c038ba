// A small RFC 4180 reader for roster files: quoted fields with "" escapes, line breaks inside
// quotes, CRLF, LF or CR line ends, and a UTF-8 byte order mark (Excel writes one). Works on
// Unicode scalars so "\r\n" is two scalars here, not one Character as in a Swift String.

struct CSVRecord: Equatable {
    /// The physical line (1-based) where the record starts, for messages people can follow.
    var line: Int
    var fields: [String]
    /// A problem with the quoting of this record, if any.
    var problem: String?
}

enum CSVReader {
    /// Picks ',' or ';' from the first non-empty line: whichever appears more often outside
    /// quotes (Russian Excel saves "CSV" with ';' because ',' is the decimal separator).
    static func detectDelimiter(_ scalars: [Unicode.Scalar]) -> Unicode.Scalar {
        var commas = 0, semicolons = 0, inQuotes = false, sawContent = false
        for s in scalars {
            if s == "\"" { inQuotes.toggle() }
            if !inQuotes && (s == "\n" || s == "\r") {
                if sawContent { break } else { continue }
            }
            if !s.properties.isWhitespace { sawContent = true }
            if !inQuotes && s == "," { commas += 1 }
            if !inQuotes && s == ";" { semicolons += 1 }
        }
        return semicolons > commas ? ";" : ","
    }

    static func read(_ text: String) -> [CSVRecord] {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        let delimiter = detectDelimiter(scalars)
        var records: [CSVRecord] = []
        var line = 1
        var i = 0
        let n = scalars.count
        while i < n {
            var record = CSVRecord(line: line, fields: [], problem: nil)
            var field = String.UnicodeScalarView()
            var atFieldStart = true
            var inQuotes = false
            var afterClosingQuote = false
            var quoteStartLine = line
            recordLoop: while i < n {
                let s = scalars[i]
                if inQuotes {
                    if s == "\"" {
                        if i + 1 < n && scalars[i + 1] == "\"" { field.append("\""); i += 2; continue }
                        inQuotes = false
                        afterClosingQuote = true
                        i += 1
                        continue
                    }
                    if s == "\r" && i + 1 < n && scalars[i + 1] == "\n" { field.append("\r"); field.append("\n"); i += 2; line += 1; continue }
                    if s == "\n" || s == "\r" { line += 1 }
                    field.append(s)
                    i += 1
                    continue
                }
                switch s {
                case "\"" where atFieldStart:
                    inQuotes = true
                    quoteStartLine = line
                    atFieldStart = false
                    i += 1
                case "\"":
                    // A quote inside an unquoted field, or text after a closing quote.
                    if record.problem == nil { record.problem = "a double quote may only open and close a quoted field (write \"\" for a quote inside one)." }
                    field.append(s)
                    i += 1
                case delimiter:
                    record.fields.append(String(field))
                    field = String.UnicodeScalarView()
                    atFieldStart = true
                    afterClosingQuote = false
                    i += 1
                case "\r", "\n":
                    i += (s == "\r" && i + 1 < n && scalars[i + 1] == "\n") ? 2 : 1
                    line += 1
                    break recordLoop
                default:
                    if afterClosingQuote && !s.properties.isWhitespace && record.problem == nil {
                        record.problem = "unexpected text after the closing quote of a field."
                    }
                    if !atFieldStart || !s.properties.isWhitespace { atFieldStart = false }
                    field.append(s)
                    i += 1
                }
            }
            if inQuotes && record.problem == nil {
                record.problem = "a quoted field opened on line \(quoteStartLine) is never closed."
            }
            record.fields.append(String(field))
            records.append(record)
        }
        return records
    }
}
