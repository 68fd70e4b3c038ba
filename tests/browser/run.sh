#!/usr/bin/env bash
# Browser tests: a fresh server with its own data, the web client in headless Chromium.
# Builds nothing: the server binary comes from $ATRIUM_BIN or .build/debug/atrium.
# Runs inside `unshare -n` (a private network namespace with only loopback) when permitted.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

if [ -z "${BROWSER_TESTS_NETNS:-}" ]; then
  if unshare -n true 2>/dev/null; then
    exec unshare -n env BROWSER_TESTS_NETNS=1 bash "$0" "$@"
  fi
  echo "note: unshare -n is not permitted here; running on the host network (loopback only is used)"
  export BROWSER_TESTS_NETNS=0
fi
if [ "$BROWSER_TESTS_NETNS" = 1 ]; then ip link set lo up; fi

BIN="${ATRIUM_BIN:-$ROOT/.build/debug/atrium}"
[ -x "$BIN" ] || { echo "no server binary at $BIN (build it: swift build --product atrium, or set ATRIUM_BIN)"; exit 2; }
PY=/usr/bin/python3
"$PY" -c 'import selenium' 2>/dev/null || { echo "python3-selenium is missing (make deps)"; exit 2; }
[ -x /usr/bin/chromedriver ] || { echo "chromium-driver is missing (make deps)"; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/atrium-browser.XXXXXX")"
export TMPDIR="$WORK/tmp"
mkdir -p "$TMPDIR" "$WORK/data" "$WORK/home"
DATA="$WORK/data"
PASSWORD="browser-test-pass"
SERVER_PID=""
TURN_PID=""
cleanup() {
  if declare -F sfu_cleanup >/dev/null; then sfu_cleanup; fi  # Hook (Janus SFU): sfu-server.sh
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$TURN_PID" ] && kill -0 "$TURN_PID" 2>/dev/null; then
    kill "$TURN_PID"; wait "$TURN_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

add_user() { printf '%s\n' "$PASSWORD" | "$BIN" user add --data "$DATA" --login "$1" --name "$2" --role "$3" --password-stdin >/dev/null; }
add_room() { "$BIN" room add --data "$DATA" --id "$1" --name "$2" --kind "$3" >/dev/null; }
add_user alice "Алиса Кузнецова" student
add_user bob   "Борис Петров"    student
add_user carol "Елена Петрова"   teacher
add_user dave  "Давид Орлов"     parent
add_user admin "Ольга Смирнова"  admin
add_user gleb  "Глеб Соколов"    student   # a third pupil, for the breakout call (test_calls.py)
add_room lounge           "Лаунж"                 lounge
add_room library          "Библиотека"            library
add_room class-7a         "7Б класс"              class
add_room meeting          "Переговорная"          meeting
add_room council-students "Совет учащихся"        council
add_room council-teachers "Педагогический совет"  council
add_room project-robots   "Проект: роботы"        project
add_room partner-room     "Партнёры: ТехноПарк"   partner
add_room cabinet-alice    "Кабинет Алисы"         cabinet
add_room cabinet-bob      "Кабинет Бориса"        cabinet
add_room workshop         "Мастерская"            project
add_room premod           "Проект: газета"        project
add_room collab-live      "Проект: сайт класса"   project
add_room collab-offline   "Проект: доклад"        project
add_room collab-keys      "Проект: выставка"      project
add_member() { "$BIN" room member --data "$DATA" --room "$1" --login "$2" --role "$3" >/dev/null; }
add_member class-7a         carol owner
add_member class-7a         alice member
add_member class-7a         bob   member
add_member council-students carol owner
add_member council-students alice member
add_member council-students bob   member
add_member meeting          carol owner
add_member partner-room     carol owner
add_member partner-room     alice member
add_member partner-room     bob   member
# Public council without bob and alice: they are observers (read, do not write).
add_member council-teachers carol owner
# A project the tests demote bob in and then remove him from, live, through the CLI.
add_member project-robots   carol owner
add_member project-robots   bob   member
# A project for reports and moderation (mute) without touching the other tests' rooms.
add_member workshop         carol owner
add_member workshop         alice member
add_member workshop         bob   member
# A project the owner puts under pre-moderation in the room settings test.
add_member premod           carol owner
add_member premod           alice member
add_member premod           bob   member
# Co-editing (test_collab.py): a teacher (owner: locks) and two pupils (members: edit_boards),
# one room per board so the tests' boards never meet.
for room in collab-live collab-offline collab-keys; do
  add_member "$room" carol owner
  add_member "$room" alice member
  add_member "$room" bob   member
done

# Calls (test_calls.py): a project for two people's call, one for the relay-only call, one for a
# tampered TURN credential, one for a browser that refuses the devices.
add_room call-live    "Созвон: школьная газета" project
add_room call-relay   "Созвон: олимпиада"       project
add_room call-badcred "Созвон: дежурство"       project
add_room call-denied  "Созвон: экскурсия"       project
for room in call-live call-relay call-badcred call-denied; do
  add_member "$room" carol owner
  add_member "$room" alice member
  add_member "$room" bob   member
done
# More calls (test_calls.py): breakout groups (three pupils), a reconnect, an expired TURN
# credential; and a meeting room (`knock`) alice is not a member of: she knocks to join its call.
add_room call-breakout  "Созвон: группы"           project
add_room call-reconnect "Созвон: обрыв связи"      project
add_room call-expired   "Созвон: старый пароль"    project
add_room call-knock     "Созвон: приёмная"         meeting
for room in call-breakout call-reconnect call-expired; do
  add_member "$room" carol owner
  add_member "$room" alice member
  add_member "$room" bob   member
done
add_member call-breakout gleb  member
add_member call-knock    carol owner

# A local TURN server (coturn) for the relay-only call: TURN REST API credentials from the
# same secret the server is given; loopback only (--allow-loopback-peers: the peers are here).
TURN_SECRET="browser-test-turn-secret"
TURN_ARGS=()
export CALLS_TURN_URL=""
if command -v turnserver >/dev/null; then
  TURN_PORT="$("$PY" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  turnserver --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$TURN_PORT" \
    --use-auth-secret --static-auth-secret="$TURN_SECRET" --realm=atrium.test \
    --no-cli --no-tls --no-dtls --allow-loopback-peers --fingerprint \
    --min-port=49152 --max-port=49407 --userdb="$WORK/turndb" --pidfile="$WORK/turnserver.pid" \
    --log-file="$WORK/turn.log" --simple-log --no-stdout-log >"$WORK/turn.out" 2>&1 &
  TURN_PID=$!
  sleep 0.3
  if kill -0 "$TURN_PID" 2>/dev/null; then
    CALLS_TURN_URL="turn:127.0.0.1:$TURN_PORT?transport=udp"
    TURN_ARGS=(--set "rtc.turn_urls=$CALLS_TURN_URL" --set "rtc.turn_secret=$TURN_SECRET")
  else
    echo "note: turnserver did not start (relay tests are skipped):"; cat "$WORK/turn.out"; TURN_PID=""
  fi
else
  echo "note: turnserver (Debian package coturn) is missing: the relay-only call tests are skipped"
fi
export CALLS_TURN_LOG="$WORK/turn.log"
export CALLS_TURN_SECRET="$TURN_SECRET"   # test_calls.py computes TURN credentials (an expired one) itself

# Hook (Janus SFU): Janus and a second server with rtc.sfu=janus for test_calls_sfu.py.
source "$HERE/sfu-server.sh"

HOME="$WORK/home" env -u ATRIUM_BIN "$BIN" serve --data "$DATA" --port 0 --set server.web="$ROOT/web" \
  --set auth.login_ip_burst=1000 --set auth.login_ip_per_min=1000 "${TURN_ARGS[@]}" \
  >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
URL=""
for _ in $(seq 1 200); do
  URL="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/server.out" 2>/dev/null | head -1 || true)"
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited:"; cat "$WORK/server.err"; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "server did not start"; cat "$WORK/server.err"; exit 1; }

mkdir -p "$ROOT/artifacts/screenshots"
export ATRIUM_URL="$URL" ATRIUM_PASSWORD="$PASSWORD"
export ATRIUM_ARTIFACTS="$ROOT/artifacts/screenshots" ATRIUM_DOCS="$ROOT/docs"
# The tests change room roles while the server runs: the same CLI on the same data folder.
export ATRIUM_CLI="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")" ATRIUM_DATA="$DATA"
export HOME="$WORK/home"
echo "browser tests against $URL (screenshots in artifacts/screenshots/)"
started=$SECONDS
set +e
if [ $# -eq 0 ]; then set -- test_client test_collab test_calls test_calls_sfu; fi
(cd "$HERE" && "$PY" -m unittest -v "$@")
status=$?
set -e
if [ $status -eq 0 ]; then echo "browser tests: passed in $((SECONDS - started)) s"; else echo "browser tests: FAILED (exit $status) after $((SECONDS - started)) s"; fi
if [ $status -ne 0 ]; then echo "--- server log (stderr) ---"; tail -n 40 "$WORK/server.err"; fi
exit $status
