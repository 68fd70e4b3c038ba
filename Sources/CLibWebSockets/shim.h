// What Swift cannot import from libwebsockets: macros and variadics. Plain wrappers, no logic.
#include <libwebsockets.h>

static inline size_t atrium_lws_pre(void) { return LWS_PRE; }

static inline void atrium_lws_set_log_level(int level) { lws_set_log_level(level, NULL); }

/// `LWS_PROTOCOL_LIST_TERM` is a compound-literal macro.
static inline struct lws_protocols atrium_lws_protocol_terminator(void) {
    struct lws_protocols p;
    memset(&p, 0, sizeof(p));
    return p;
}
