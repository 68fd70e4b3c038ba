#!/usr/bin/env bash
# Starts a private Janus (Debian package `janus`) for the SFU tests: VideoRoom plugin and the
# WebSocket transport only, listening on 127.0.0.1:PORT, ICE on loopback (works inside
# `unshare -n` with a veth pair, see JANUS_ICE_ENFORCE). Usage: start-janus.sh WORKDIR PORT — writes WORKDIR/janus-conf, logs to
# WORKDIR/janus.log, prints the pid (or, with JANUS_FOREGROUND=1, execs janus). Used by tests/browser/run.sh and the Swift SFU test.
set -euo pipefail
WORK="$1"; PORT="$2"
command -v janus >/dev/null || { echo "janus is not installed (apt-get install janus)" >&2; exit 3; }
LIB=""
for d in /usr/lib/*/janus /usr/lib/janus; do [ -d "$d/plugins" ] && LIB="$d" && break; done
[ -n "$LIB" ] || { echo "no Janus plugins folder" >&2; exit 3; }
CONF="$WORK/janus-conf"
# JANUS_ADMIN_SECRET: enables the Admin API on 127.0.0.1:PORT+1 (subprotocol janus-admin-protocol).
ADMIN_WS=false ADMIN_SECRET=""
if [ -n "${JANUS_ADMIN_SECRET:-}" ]; then ADMIN_WS=true ADMIN_SECRET="admin_secret = \"$JANUS_ADMIN_SECRET\""; fi
# Janus never gathers ICE candidates on loopback interfaces: JANUS_ICE_ENFORCE (an interface or
# address prefix, e.g. the veth address run.sh adds inside its network namespace) limits it to one.
ENFORCE=""
if [ -n "${JANUS_ICE_ENFORCE:-}" ]; then ENFORCE="ice_enforce_list = \"$JANUS_ICE_ENFORCE\""; fi
mkdir -p "$CONF"
others() { (cd "$1" && ls *.so | grep -v -x "$2" | paste -sd, -); }
cat >"$CONF/janus.jcfg" <<CFG
general: {
	configs_folder = "$CONF"
	plugins_folder = "$LIB/plugins"
	transports_folder = "$LIB/transports"
	events_folder = "$LIB/events"
	loggers_folder = "$LIB/loggers"
	debug_level = 4
	session_timeout = 60
	$ADMIN_SECRET
}
certificates: {
}
media: {
	rtp_port_range = "40000-40999"
}
nat: {
	$ENFORCE
	ignore_mdns = true
}
plugins: {
	disable = "$(others "$LIB/plugins" libjanus_videoroom.so)"
}
transports: {
	disable = "$(others "$LIB/transports" libjanus_websockets.so)"
}
events: {
	broadcast = false
}
loggers: {
	disable = "$(cd "$LIB/loggers" && ls *.so | paste -sd, -)"
}
CFG
cat >"$CONF/janus.transport.websockets.jcfg" <<CFG
general: {
	json = "plain"
	ws = true
	ws_port = $PORT
	ws_ip = "127.0.0.1"
	wss = false
}
admin: {
	admin_ws = $ADMIN_WS
	admin_ws_port = $((PORT + 1))
	admin_ws_ip = "127.0.0.1"
	admin_wss = false
}
CFG
cat >"$CONF/janus.plugin.videoroom.jcfg" <<CFG
general: {
}
CFG
# JANUS_FOREGROUND=1: become janus (the caller waits for it and stops it with SIGTERM).
if [ "${JANUS_FOREGROUND:-0}" = 1 ]; then exec janus -F "$CONF" -C "$CONF/janus.jcfg" -L "$WORK/janus.log" >"$WORK/janus.out" 2>&1; fi
janus -F "$CONF" -C "$CONF/janus.jcfg" -L "$WORK/janus.log" >"$WORK/janus.out" 2>&1 &
echo $!
