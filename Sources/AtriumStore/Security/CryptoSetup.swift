// OpenSSL process setup. By default OpenSSL registers OPENSSL_cleanup with atexit; at the end
// of `atrium serve` that cleanup ran on the main thread while the auth worker thread (which
// used scrypt and RAND_bytes) was still releasing its thread-local OpenSSL state, and the
// process aborted (seen as exit status 134 in the SIGTERM test). The server's threads finish
// their work before exit; the operating system frees what is left.

import COpenSSL

public enum CryptoSetup {
    /// Call once, first thing, before any thread uses OpenSSL.
    public static func initialize() {
        _ = OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil)
    }
}
