import AtriumCore
import CLibWebSockets

/// HTTP on the service thread: requests are read from lws, routed, and answered either at
/// once or when a worker posts the result back; responses are written in WRITEABLE callbacks.
extension Hub {
    // MARK: - Upgrade check

    /// LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: only `/ws`, only from an allowed Origin, not while
    /// shutting down. Returning 1 after writing a status rejects the upgrade.
    func confirmUpgrade(_ wsi: OpaquePointer) -> Int32 {
        let path = headerValue(wsi, WSI_TOKEN_GET_URI) ?? ""
        guard path == "/ws" || path == "/ws/" else {
            return rejectHTTP(wsi, 404, "WebSocket endpoint is /ws")
        }
        if case .running = phase {} else {
            return rejectHTTP(wsi, 503, "Server is shutting down")
        }
        let origin = headerValue(wsi, WSI_TOKEN_ORIGIN)
        guard originPolicy.permits(origin: origin, host: headerValue(wsi, WSI_TOKEN_HOST)) else {
            logger.notice("WebSocket upgrade refused: origin not allowed", metadata: ["origin": "\(origin ?? "")"])
            return rejectHTTP(wsi, 403, "Origin not allowed")
        }
        upgrades[wsi] = (SessionCookie.token(fromCookieHeader: headerValue(wsi, WSI_TOKEN_HTTP_COOKIE)), clientAddress(wsi))
        return 0
    }

    private func rejectHTTP(_ wsi: OpaquePointer, _ status: UInt32, _ text: String) -> Int32 {
        _ = lws_return_http_status(wsi, status, text)
        return 1
    }

    var originPolicy: OriginPolicy { OriginPolicy(allowedOrigins: config.allowedOrigins) }

    // MARK: - Requests

    func httpRequest(_ wsi: OpaquePointer, path: String) -> Int32 {
        let method = httpMethod(wsi)
        var headers: [String: String] = [:]
        let wanted: [(String, lws_token_indexes)] = [
            ("cookie", WSI_TOKEN_HTTP_COOKIE), ("authorization", WSI_TOKEN_HTTP_AUTHORIZATION),
            ("if-none-match", WSI_TOKEN_HTTP_IF_NONE_MATCH), ("if-modified-since", WSI_TOKEN_HTTP_IF_MODIFIED_SINCE),
            ("origin", WSI_TOKEN_ORIGIN), ("host", WSI_TOKEN_HOST), ("content-length", WSI_TOKEN_HTTP_CONTENT_LENGTH),
            ("content-type", WSI_TOKEN_HTTP_CONTENT_TYPE),
        ]
        for (name, token) in wanted {
            if let v = headerValue(wsi, token) { headers[name] = v }
        }
        let ex = HTTPExchange(id: nextExchangeID(), method: method, path: path, headers: headers, peer: clientAddress(wsi))
        ex.query = queryArguments(wsi)
        http[wsi] = ex
        httpByID[ex.id] = wsi
        metrics.httpRequests += 1

        if case .running = phase {} else {
            respond(ex, .error(503, "The server is shutting down."))
            return 0
        }
        let length = Int(headers["content-length"] ?? "0") ?? -1
        if length < 0 {
            respond(ex, .error(400, "Content-Length is not a number."))
            return 0
        }
        if length > config.httpBodyBytes {
            respond(ex, .error(413, "The request body is larger than \(config.httpBodyBytes) bytes."))
            return 0
        }
        if length > 0 && method != "GET" && method != "HEAD" {
            return 0  // the body follows in HTTP_BODY callbacks
        }
        route(ex)
        return 0
    }

    func httpBody(_ wsi: OpaquePointer, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard let ex = http[wsi] else { return -1 }
        if ex.body.count + bytes.count > config.httpBodyBytes {
            ex.bodyTooLarge = true
            return 0
        }
        ex.body.append(contentsOf: bytes)
        return 0
    }

    func httpBodyComplete(_ wsi: OpaquePointer) -> Int32 {
        guard let ex = http[wsi] else { return -1 }
        if ex.bodyTooLarge {
            respond(ex, .error(413, "The request body is larger than \(config.httpBodyBytes) bytes."))
        } else if ex.response == nil && !ex.pending {
            route(ex)
        }
        return 0
    }

    func httpClosed(_ wsi: OpaquePointer) {
        if let ex = http.removeValue(forKey: wsi) { httpByID.removeValue(forKey: ex.id) }
        upgrades.removeValue(forKey: wsi)
    }

    // MARK: - Routing

    private func route(_ ex: HTTPExchange) {
        let path = ex.path
        if path.hasPrefix("/api/") {
            guard originPolicy.permits(origin: ex.header("origin"), host: ex.header("host")) else {
                respond(ex, .error(403, "Requests from this origin are not allowed."))
                return
            }
        }
        switch (ex.method, path) {
        case ("GET", "/healthz"), ("HEAD", "/healthz"):
            respond(ex, .json(200, .object([("status", "ok")])))
        case ("GET", "/metrics"):
            respond(ex, .text(200, renderMetrics(), contentType: "text/plain; version=0.0.4; charset=utf-8"))
        case ("POST", "/api/session"):
            signIn(ex)
        case ("DELETE", "/api/session"):
            signOut(ex)
        case ("GET", "/api/session"):
            currentSession(ex)
        case ("POST", "/api/password"):
            changePassword(ex)
        case ("GET", "/api/public/rooms"):
            publicRooms(ex)
        case ("GET", let p) where p.hasPrefix("/api/public/rooms/"):
            publicRoomEvents(ex, roomID: String(p.dropFirst("/api/public/rooms/".count)), query: ex.query)
        case ("GET", let p) where p.hasPrefix("/api/invite/"):
            invitationInfo(ex, token: String(p.dropFirst("/api/invite/".count)))
        case ("POST", let p) where p.hasPrefix("/api/invite/"):
            acceptInvitation(ex, token: String(p.dropFirst("/api/invite/".count)))
        case (_, "/api/session"), (_, "/api/password"), (_, "/healthz"), (_, "/metrics"):
            respond(ex, .error(405, "Method \(ex.method) is not allowed here."))
        case (_, let p) where p.hasPrefix("/api/"):
            respond(ex, .error(404, "There is no API at \(p)."))
        case ("GET", _), ("HEAD", _):
            serveStatic(ex)
        default:
            respond(ex, .error(405, "Method \(ex.method) is not allowed here."))
        }
    }

    private func serveStatic(_ ex: HTTPExchange) {
        guard let file = staticFiles.lookup(ex.path) else {
            respond(ex, .text(404, "Not found\n"))
            return
        }
        let validators: [(String, String)] = [
            ("etag", file.etag), ("last-modified", file.lastModified), ("cache-control", "no-cache"),
        ]
        let notModified: Bool
        if let inm = ex.header("if-none-match") {
            notModified = inm.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == file.etag || $0.trimmingCharacters(in: .whitespaces) == "*" }
        } else if let ims = ex.header("if-modified-since") {
            notModified = ims == file.lastModified
        } else {
            notModified = false
        }
        if notModified {
            respond(ex, HTTPResponse(status: 304, contentType: file.contentType, headers: validators))
            return
        }
        respond(ex, HTTPResponse(status: 200, contentType: file.contentType, headers: validators,
                                 body: file.body, omitBody: ex.method == "HEAD"))
    }

    // MARK: - Responses

    /// Sets the response and asks for WRITEABLE; safe to call later from an inbox command.
    func respond(_ ex: HTTPExchange, _ response: HTTPResponse) {
        ex.pending = false
        ex.response = response
        if let wsi = httpByID[ex.id] { lws_callback_on_writable(wsi) }
    }

    /// The exchange, if its connection is still open (for answers that come from a worker).
    func exchange(_ id: UInt64) -> HTTPExchange? {
        guard let wsi = httpByID[id] else { return nil }
        return http[wsi]
    }

    func httpWriteable(_ wsi: OpaquePointer) -> Int32 {
        guard let ex = http[wsi], let response = ex.response else { return 0 }
        if !ex.headersSent {
            let start = scratch + pre
            var p: UnsafeMutablePointer<UInt8>? = start
            let end = start + min(scratchCapacity, 16 * 1024)
            if lws_add_http_common_headers(wsi, UInt32(response.status), response.contentType,
                                           UInt64(response.body.count), &p, end) != 0 { return -1 }
            for (name, value) in sfuSecurityHeaders(tls: isTLS)  /* Hook (Janus SFU): CSP connect-src */  + response.headers {
                guard addHeader(wsi, name, value, &p, end) else { return -1 }
            }
            if lws_finalize_write_http_header(wsi, start, &p, end) != 0 { return -1 }
            ex.headersSent = true
            if response.body.isEmpty || response.omitBody { return finishExchange(wsi, ex) }
            lws_callback_on_writable(wsi)
            return 0
        }
        let remaining = response.body.count - ex.bodyOffset
        let chunk = min(remaining, 16 * 1024)
        response.body.withUnsafeBufferPointer { src in
            (scratch + pre).update(from: src.baseAddress! + ex.bodyOffset, count: chunk)
        }
        let last = chunk == remaining
        if lws_write(wsi, scratch + pre, chunk, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < chunk { return -1 }
        ex.bodyOffset += chunk
        if last { return finishExchange(wsi, ex) }
        lws_callback_on_writable(wsi)
        return 0
    }

    private func finishExchange(_ wsi: OpaquePointer, _ ex: HTTPExchange) -> Int32 {
        http.removeValue(forKey: wsi)
        httpByID.removeValue(forKey: ex.id)
        return lws_http_transaction_completed(wsi) != 0 ? -1 : 0
    }

    private func addHeader(_ wsi: OpaquePointer, _ name: String, _ value: String,
                           _ p: inout UnsafeMutablePointer<UInt8>?, _ end: UnsafeMutablePointer<UInt8>) -> Bool {
        let n = Array((name + ":").utf8) + [0]
        let v = Array(value.utf8) + [0]
        return n.withUnsafeBufferPointer { nb in
            v.withUnsafeBufferPointer { vb in
                lws_add_http_header_by_name(wsi, nb.baseAddress, vb.baseAddress, Int32(vb.count - 1), &p, end) == 0
            }
        }
    }

    // MARK: - Helpers

    func headerValue(_ wsi: OpaquePointer, _ token: lws_token_indexes) -> String? {
        let length = Int(lws_hdr_total_length(wsi, token))
        guard length > 0 else { return nil }
        var buf = [CChar](repeating: 0, count: length + 1)
        guard lws_hdr_copy(wsi, &buf, Int32(buf.count), token) >= 0 else { return nil }
        return String(cString: buf)
    }

    /// `?a=1&b=2` → ["a": "1", "b": "2"] (lws keeps the query apart from the path).
    private func queryArguments(_ wsi: OpaquePointer) -> [String: String] {
        var result: [String: String] = [:]
        var index: Int32 = 0
        var buf = [CChar](repeating: 0, count: 512)
        while lws_hdr_copy_fragment(wsi, &buf, Int32(buf.count), WSI_TOKEN_HTTP_URI_ARGS, index) > 0 {
            let pair = String(cString: buf)
            if let eq = pair.firstIndex(of: "=") {
                result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...]).removingPercentEncoding
            }
            index += 1
        }
        return result
    }

    private func httpMethod(_ wsi: OpaquePointer) -> String {
        let methods: [(String, lws_token_indexes)] = [
            ("GET", WSI_TOKEN_GET_URI), ("POST", WSI_TOKEN_POST_URI), ("PUT", WSI_TOKEN_PUT_URI),
            ("DELETE", WSI_TOKEN_DELETE_URI), ("HEAD", WSI_TOKEN_HEAD_URI), ("PATCH", WSI_TOKEN_PATCH_URI),
            ("OPTIONS", WSI_TOKEN_OPTIONS_URI),
        ]
        for (name, token) in methods where lws_hdr_total_length(wsi, token) > 0 { return name }
        return "OTHER"
    }

    /// The client's address; behind a trusted reverse proxy on loopback, the last X-Forwarded-For hop.
    func clientAddress(_ wsi: OpaquePointer) -> String {
        let peer = peerAddress(wsi)
        let fromLoopbackProxy = peer == "127.0.0.1" || peer == "::1" || peer == "::ffff:127.0.0.1"
        if config.trustProxy, fromLoopbackProxy, let xff = headerValue(wsi, WSI_TOKEN_X_FORWARDED_FOR),
           let last = xff.split(separator: ",").last {
            return last.trimmingCharacters(in: .whitespaces)
        }
        return peer
    }
}

import Foundation
