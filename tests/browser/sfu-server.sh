# Sourced by run.sh (Janus SFU, docs/calls.md "Large events: the SFU path"): when the janus
# binary is installed, starts a private Janus on loopback and a second Atrium server on a copy of
# the seeded data with rtc.sfu=janus and rtc.sfu_after=1 (a call's second participant moves it to
# Janus). Exports CALLS_SFU_URL (that server) and CALLS_SFU_JANUS_URL; unset when janus is
# missing (test_calls_sfu.py then skips). Needs: BIN, DATA, WORK, ROOT, PY, HERE from run.sh.
SFU_SERVER_PID=""
JANUS_PID=""
export CALLS_SFU_URL="" CALLS_SFU_JANUS_URL="" CALLS_SFU_DATA=""
sfu_cleanup() {
  [ -f "$WORK/janus.out" ] && cp "$WORK/janus.out" /tmp/atrium-janus-last.out 2>/dev/null || true
  for pid in $SFU_SERVER_PID $JANUS_PID; do
    if kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
  done
}
if command -v janus >/dev/null; then
  # The SFU server's own copy of the data, with one more room (the main server's rooms stay as they are).
  cp -a "$DATA" "$WORK/data-sfu"
  (
    DATA="$WORK/data-sfu"
    add_room call-sfu "Созвон: школьный концерт" project
    add_member call-sfu carol owner
    add_member call-sfu alice member
    add_member call-sfu bob   member
  )
  # A free port whose successor is free too (the Admin API).
  JANUS_PORT="$("$PY" -c '
import socket
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    t = socket.socket()
    try: t.bind(("127.0.0.1", p + 1)); print(p); break
    except OSError: pass
')"
  # Janus skips loopback interfaces when gathering ICE candidates: inside run.sh's network
  # namespace a veth pair gives it (and Chromium) a private non-loopback address.
  if [ "${BROWSER_TESTS_NETNS:-0}" = 1 ] && ip link add sfu0 type veth peer name sfu1 2>/dev/null; then
    ip addr add 10.77.0.1/24 dev sfu0 && ip addr add 10.77.0.2/24 dev sfu1 && ip link set sfu0 up && ip link set sfu1 up
    export JANUS_ICE_ENFORCE=10.77.0.1
  fi
  export JANUS_ADMIN_SECRET="browser-test-janus-admin"   # the Admin API on JANUS_PORT + 1
  JANUS_PID="$("$ROOT/tests/janus/start-janus.sh" "$WORK" "$JANUS_PORT")"
  for _ in $(seq 1 100); do
    "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', $JANUS_PORT), 0.2)" 2>/dev/null && break
    sleep 0.1
  done
  if kill -0 "$JANUS_PID" 2>/dev/null; then
    HOME="$WORK/home" env -u ATRIUM_BIN "$BIN" serve --data "$WORK/data-sfu" --port 0 --set server.web="$ROOT/web" \
      --set auth.login_ip_burst=1000 --set auth.login_ip_per_min=1000 \
      --set rtc.sfu=janus --set rtc.sfu_after=1 --set "rtc.janus_ws_url=ws://127.0.0.1:$JANUS_PORT" \
      --set "rtc.janus_admin_url=ws://127.0.0.1:$((JANUS_PORT + 1))" --set "rtc.janus_admin_secret=$JANUS_ADMIN_SECRET" \
      >"$WORK/server-sfu.out" 2>"$WORK/server-sfu.err" &
    SFU_SERVER_PID=$!
    for _ in $(seq 1 200); do
      CALLS_SFU_URL="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/server-sfu.out" 2>/dev/null | head -1 || true)"
      [ -n "$CALLS_SFU_URL" ] && break
      kill -0 "$SFU_SERVER_PID" 2>/dev/null || { echo "note: the SFU server exited:"; cat "$WORK/server-sfu.err"; break; }
      sleep 0.1
    done
    CALLS_SFU_JANUS_URL="ws://127.0.0.1:$JANUS_PORT"
    CALLS_SFU_DATA="$WORK/data-sfu"
    export CALLS_SFU_URL CALLS_SFU_JANUS_URL CALLS_SFU_DATA
  else
    echo "note: janus did not start (SFU tests are skipped):"; tail -20 "$WORK/janus.out"; JANUS_PID=""
  fi
else
  echo "note: janus (Debian package janus) is missing: the SFU call tests are skipped"
fi
