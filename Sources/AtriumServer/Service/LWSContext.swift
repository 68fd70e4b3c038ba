import AtriumCore
import CLibWebSockets
import Foundation

/// Owns the libwebsockets context and the C memory it points to (protocol table, strings,
/// retry policy), which must outlive the context. Created, run and destroyed on the service
/// thread.
final class LWSContext {
    private let config: AtriumConfig
    private(set) var context: OpaquePointer?
    private var protocols: UnsafeMutablePointer<lws_protocols>?
    private var retryPolicy: UnsafeMutablePointer<lws_retry_bo_t>?
    private var cStrings: [UnsafeMutablePointer<CChar>] = []
    private var usesEventLib = false

    enum CreateResult { case success(Int), failure(String) }

    init(config: AtriumConfig) {
        self.config = config
    }

    private func keep(_ s: String) -> UnsafeMutablePointer<CChar> {
        let p = strdup(s)!
        cStrings.append(p)
        return p
    }

    func create(hubPointer: UnsafeMutableRawPointer) -> CreateResult {
        // lws logs only errors and warnings to stderr; our own logging says the rest.
        atrium_lws_set_log_level(LLL_ERR | LLL_WARN)

        let table = UnsafeMutablePointer<lws_protocols>.allocate(capacity: 2)
        table[0] = atrium_lws_protocol_terminator()
        table[0].name = UnsafePointer(keep("atrium.v1"))
        table[0].callback = { wsi, reason, user, input, length in
            atriumLWSCallback(wsi, reason, user, input, length)
        }
        table[0].per_session_data_size = 0
        // Receive buffer per read; frames larger than this arrive in several RECEIVE callbacks
        // and are reassembled by the hub up to limits.max_message_bytes. lws allocates this
        // buffer per connection, so it is kept small (idle memory per connection).
        table[0].rx_buffer_size = 1024
        table[1] = atrium_lws_protocol_terminator()
        protocols = table

        let retry = UnsafeMutablePointer<lws_retry_bo_t>.allocate(capacity: 1)
        retry.initialize(to: lws_retry_bo_t())
        let heartbeat = UInt16(clamping: config.heartbeatSeconds)
        retry.pointee.secs_since_valid_ping = heartbeat
        retry.pointee.secs_since_valid_hangup = UInt16(clamping: config.heartbeatSeconds * 2)
        retryPolicy = retry

        var info = lws_context_creation_info()
        info.port = Int32(config.port)
        info.iface = UnsafePointer(keep(config.host))
        info.protocols = UnsafePointer(table)
        info.gid = -1
        info.uid = -1
        info.user = hubPointer
        info.retry_and_idle_policy = UnsafePointer(retry)
        info.vhost_name = UnsafePointer(keep("default"))
        info.server_string = UnsafePointer(keep("atrium"))
        info.timeout_secs = 20
        info.fd_limit_per_thread = 0
        info.pt_serv_buf_size = 64 * 1024
        info.max_http_header_pool = 256
        var options: UInt64 = 0
        options |= UInt64(LWS_SERVER_OPTION_VALIDATE_UTF8)
        // Signals are ours (a sigwait thread in the executable), not libuv's.
        options |= UInt64(LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN)
        if !config.host.contains(":") {
            // With IPv6 on, lws ignores an IPv4 iface and listens everywhere (LWS-NOTES.md).
            options |= UInt64(LWS_SERVER_OPTION_DISABLE_IPV6)
        }
        if config.eventLib == "uv" {
            options |= UInt64(LWS_SERVER_OPTION_LIBUV)
            usesEventLib = true
        }
        if let cert = config.tlsCert, let key = config.tlsKey {
            options |= UInt64(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT)
            info.ssl_cert_filepath = UnsafePointer(keep(cert))
            info.ssl_private_key_filepath = UnsafePointer(keep(key))
        }
        info.options = options

        guard let ctx = lws_create_context(&info) else {
            return .failure("libwebsockets could not start on \(config.host):\(config.port) (port in use, bad TLS files, or missing event library)")
        }
        context = ctx
        guard let vhost = lws_get_vhost_by_name(ctx, "default") else {
            return .failure("libwebsockets created no vhost")
        }
        let port = Int(lws_get_vhost_listen_port(vhost))
        return .success(port)
    }

    /// Services the loop until `mayEnd` says so. With the libuv event library `lws_service`
    /// runs the uv loop until the context is torn down (`Hub.finishLoop` calls
    /// `lws_context_destroy` from inside a callback, which lws defers until the callback
    /// returns); with the poll loop it returns after each turn.
    func run(until mayEnd: () -> Bool) {
        guard let context else { return }
        while !mayEnd() {
            let n = lws_service(context, 0)
            if n < 0 || (n != 0 && usesEventLib) { break }
        }
    }

    func destroy() {
        if let context { lws_context_destroy(context) }
        context = nil
        protocols?.deallocate()
        retryPolicy?.deallocate()
        for p in cStrings { free(p) }
        cStrings.removeAll()
    }
}
