import Foundation
import Logging

/// The browser client from `web/`, read into memory once at start-up (off the service thread),
/// so serving it never touches the disk from the service thread. Restart to pick up changes.
struct StaticFiles: Sendable {
    struct File: Sendable {
        let body: [UInt8]
        let contentType: String
        let etag: String
        let lastModified: String
    }

    private(set) var files: [String: File] = [:]

    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "json": "application/json; charset=utf-8", "svg": "image/svg+xml", "png": "image/png",
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
        "ico": "image/x-icon", "woff2": "font/woff2", "woff": "font/woff", "txt": "text/plain; charset=utf-8",
        "webmanifest": "application/manifest+json", "map": "application/json",
    ]

    static func load(root: String, logger: Logger) -> StaticFiles {
        var result = StaticFiles()
        let base = URL(fileURLWithPath: root).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: base.path, isDirectory: &isDirectory), isDirectory.boolValue,
              let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey, .contentModificationDateKey]) else {
            logger.warning("web folder not found; only the API is served", metadata: ["path": "\(root)"])
            return result
        }
        for case let url as URL in walker {
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .contentModificationDateKey])
            guard values?.isRegularFile == true, let data = try? Data(contentsOf: url) else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(base.path.count))
            let name = url.lastPathComponent
            if name.hasPrefix(".") { continue }
            let ext = url.pathExtension.lowercased()
            let body = [UInt8](data)
            let modified = Int64(values?.contentModificationDate?.timeIntervalSince1970 ?? 0)
            result.files[relative.hasPrefix("/") ? relative : "/" + relative] = File(
                body: body, contentType: contentTypes[ext] ?? "application/octet-stream",
                etag: "\"\(String(fnv1a(body), radix: 16))-\(String(body.count, radix: 16))\"",
                lastModified: HTTPDate.format(secondsSince1970: modified))
        }
        logger.info("web client loaded", metadata: ["files": "\(result.files.count)", "path": "\(base.path)"])
        return result
    }

    /// "/" → "/index.html"; a path without an extension that is not a file falls back to the
    /// client's index.html (its own router shows the view); anything else is 404.
    func lookup(_ path: String) -> File? {
        if path.contains("..") { return nil }
        if path == "/" || path.isEmpty { return files["/index.html"] }
        if let f = files[path] { return f }
        if let f = files[path + "/index.html"] { return f }
        let last = path.split(separator: "/").last ?? ""
        if !last.contains(".") { return files["/index.html"] }
        return nil
    }

    private static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
