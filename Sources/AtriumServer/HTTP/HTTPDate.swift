import AtriumCore

/// RFC 9110 IMF-fixdate ("Sun, 29 Nov 2026 14:00:00 GMT") for Last-Modified.
enum HTTPDate {
    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(secondsSince1970 t: Int64) -> String {
        // Reuse the ISO formatter's calendar arithmetic, then re-shape the fields.
        let iso = Timestamp.iso8601(millis: t * 1000)  // 2026-11-29T14:00:00.000Z
        let parts = iso.split(whereSeparator: { "-T:.".contains($0) }).map(String.init)
        guard parts.count >= 6, let month = Int(parts[1]) else { return iso }
        let dayIndex = Int(((t / 86_400) % 7 + 7) % 7)
        return "\(days[dayIndex]), \(parts[2]) \(months[month - 1]) \(parts[0]) \(parts[3]):\(parts[4]):\(parts[5]) GMT"
    }
}
