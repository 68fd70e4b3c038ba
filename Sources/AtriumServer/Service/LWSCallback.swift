import CLibWebSockets

/// The one libwebsockets callback of the `atrium.v1` protocol (protocols[0], so it also gets
/// the plain HTTP traffic and upgrades from clients that offer no subprotocol).
/// Runs on the service thread only. It converts C arguments to Swift values and hands them to
/// the hub; no logic lives here.
func atriumLWSCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
    _ input: UnsafeMutableRawPointer?, _ length: Int
) -> Int32 {
    guard let wsi, let context = lws_get_context(wsi), let raw = lws_context_user(context) else {
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
    let hub = Unmanaged<Hub>.fromOpaque(raw).takeUnretainedValue()

    switch reason {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        hub.drainInbox()
        return 0

    // MARK: WebSocket
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return hub.confirmUpgrade(wsi)
    case LWS_CALLBACK_ESTABLISHED:
        hub.wsEstablished(wsi)
        return 0
    case LWS_CALLBACK_RECEIVE:
        let bytes = input.map { UnsafeRawBufferPointer(start: $0, count: length) }
            ?? UnsafeRawBufferPointer(start: nil, count: 0)
        return hub.wsReceive(wsi, bytes,
                             final: lws_is_final_fragment(wsi) != 0 && lws_remaining_packet_payload(wsi) == 0,
                             binary: lws_frame_is_binary(wsi) != 0)
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return hub.wsWriteable(wsi)
    case LWS_CALLBACK_CLOSED:
        hub.wsClosed(wsi)
        return 0

    // MARK: HTTP
    case LWS_CALLBACK_HTTP:
        let path = input.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "/"
        return hub.httpRequest(wsi, path: path)
    case LWS_CALLBACK_HTTP_BODY:
        let bytes = input.map { UnsafeRawBufferPointer(start: $0, count: length) }
            ?? UnsafeRawBufferPointer(start: nil, count: 0)
        return hub.httpBody(wsi, bytes)
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return hub.httpBodyComplete(wsi)
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return hub.httpWriteable(wsi)
    case LWS_CALLBACK_CLOSED_HTTP, LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        hub.httpClosed(wsi)
        return lws_callback_http_dummy(wsi, reason, user, input, length)

    default:
        return lws_callback_http_dummy(wsi, reason, user, input, length)
    }
}
