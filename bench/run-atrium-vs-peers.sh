#!/bin/bash
# run-atrium-vs-peers.sh - Atrium side by side with the Debian peer servers, using the shared
# WebSocket bench (wsload + run-peers.sh, /work/shared/bench; README there).
#
#   bench/run-atrium-vs-peers.sh                 QUICK comparison + sync modes + heavy rooms
#   PHASES=peers bench/run-atrium-vs-peers.sh    only the comparison with lws, nchan1, node
#   FULL_RUN=1 bench/run-atrium-vs-peers.sh      3 repetitions, full ladder, 64 B and 1 KB
#
# What it does:
#   1. copies the shared bench to $BENCH_DIR (default /tmp/bench; shared/ is read-only),
#      applies bench/wsload-split-lines.patch (wsload --split-lines: count every JSON line of
#      a coalesced Atrium frame as one message), installs the peers if missing
#      (peers/peerctl.sh install: apt-get) and builds wsload;
#   2. builds the release server (swift build -c release --scratch-path .build-bench);
#   3. prepares a data folder: user bench1, room "bench" (fanout/idle/storm) and rooms
#      rm-0 .. rm-(N-1) for the rooms scenarios (wsload names them <room>-<k>);
#   4. starts `atrium serve` with the per-connection and sign-in limits lifted, signs in once,
#      exports BENCH_ATRIUM_PORT / BENCH_ATRIUM_TOKEN / BENCH_ATRIUM_PID_FILE for bench/atrium-target.sh;
#   5. phase peers:  run-peers.sh, TARGETS="atrium lws nchan1 node", QUICK=1 (about 12 min on
#                    2 shared vCPUs)
#      phase idle:   idle 10,000 connections again on a fresh server (run-peers.sh restarts
#                    the peers before each scenario, but not Atrium)
#      phase storm:  storm again, 3 repetitions, atrium lws node
#      phase own:    atrium-bench commit-latency (50 x 20/s, 200 x 25/s) and resume-storm
#                    (200 clients), NORMAL and FULL (not in the default PHASES)
#      phase sync:   the rooms scenario (50 x 20) again with store.synchronous=normal and =full
#      phase heavy:  2,000 rooms x 5 members (10,000 connections), a ladder of per-member
#                    rates, NORMAL and FULL; the highest step with no loss and p99 <= 50 ms
#   6. stops the server by its PID. Results: $OUT (one directory per phase, results.jsonl
#      has every wsload run with its exact command; summary.md the tables).
#
# Knobs: PHASES ("peers idle storm sync heavy"), TARGETS, OUT, BENCH_DIR, DATA (data folder, recreated),
# HEAVY_RATES (per-member msgs/s ladder), HEAVY_S (seconds per step), SYNC_REPS, FULL_RUN,
# BENCH_ATRIUM_EXTRA_ARGS (more server flags, e.g. "--set server.event_lib=poll" for an A/B).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED_BENCH=${SHARED_BENCH:-/work/shared/bench}
BENCH_DIR=${BENCH_DIR:-/tmp/bench}
PHASES=${PHASES:-"peers idle storm sync heavy"}
TARGETS=${TARGETS:-"atrium lws nchan1 node"}
STATE=${BENCH_ATRIUM_STATE:-/tmp/atrium-bench}
DATA=${DATA:-$STATE/data}
OUT=${OUT:-$STATE/results/run-$(date +%Y%m%d-%H%M%S)}
ROOMS_N=${ROOMS_N:-2000}          # rooms rm-0 .. rm-(ROOMS_N-1)
HEAVY_K=${HEAVY_K:-2000}
HEAVY_M=${HEAVY_M:-5}
HEAVY_RATES=${HEAVY_RATES:-"0.05 0.1 0.2 0.3 0.5 0.75 1 1.5 2"}
HEAVY_S=${HEAVY_S:-5}
SYNC_REPS=${SYNC_REPS:-2}
BIN=$ROOT/.build-bench/release/atrium
export BENCH_ATRIUM_PID_FILE=$STATE/atrium.pid
mkdir -p "$STATE" "$OUT"
LOG=$OUT/run.log
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }

SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null
    fi
    SERVER_PID=""
    rm -f "$BENCH_ATRIUM_PID_FILE"
}
trap 'stop_server; exit 130' INT TERM

# ------------------------------------------------------------------ 1. the shared bench
if [ ! -x "$BENCH_DIR/run-peers.sh" ]; then
    rm -rf "$BENCH_DIR"
    cp -r "$SHARED_BENCH" "$BENCH_DIR" && chmod -R u+w "$BENCH_DIR" || exit 1
fi
if ! grep -q split-lines "$BENCH_DIR/wsload/wsload.c"; then
    (cd "$BENCH_DIR" && patch -p1 <"$ROOT/bench/wsload-split-lines.patch") >>"$LOG" 2>&1 ||
        { log "cannot patch wsload"; exit 1; }
fi
for bin in libwebsockets-test-server nginx node; do
    command -v "$bin" >/dev/null || { log "installing peers"; "$BENCH_DIR/peers/peerctl.sh" install >>"$LOG" 2>&1; break; }
done
make -s -C "$BENCH_DIR/wsload" >>"$LOG" 2>&1 || { log "wsload build failed"; exit 1; }
WSLOAD=$BENCH_DIR/wsload/wsload

# ------------------------------------------------------------------ 2. the server
log "building atrium (release)"
# (retried: "input file ... was modified during the build" when others edit the tree)
built=0
for attempt in 1 2 3; do
    if (cd "$ROOT" && swift build -c release --scratch-path .build-bench --product atrium) >>"$LOG" 2>&1; then
        built=1; break
    fi
    sleep 5
done
[ $built = 1 ] || { log "swift build failed (see $LOG)"; exit 1; }

# ------------------------------------------------------------------ 3. data folder
prepare_data() {
    rm -rf "$DATA"
    mkdir -p "$DATA"
    printf 'password-bench\n' | "$BIN" user add --data "$DATA" --login bench1 --name "Bench 1" \
        --role student --password-stdin >>"$LOG" || return 1
    "$BIN" room add --data "$DATA" --id bench --name "Bench" --kind lounge >>"$LOG" || return 1
    log "creating rooms rm-0 .. rm-$((ROOMS_N - 1))"
    local k
    for k in $(seq 0 $((ROOMS_N - 1))); do
        "$BIN" room add --data "$DATA" --id "rm-$k" --name "Bench room $k" --kind lounge >/dev/null || return 1
    done
}

# start_server SYNC  -> SERVER_PID, BENCH_ATRIUM_PORT, BENCH_ATRIUM_TOKEN
start_server() {
    local sync=$1 port="" i
    stop_server
    (
        ulimit -n 19500  # the sandbox's hard limit is 20000
        exec "$BIN" serve --data "$DATA" --port 0 \
            --set limits.rate_per_s=100000 --set limits.rate_burst=100000 \
            --set auth.login_ip_burst=100000 --set store.synchronous="$sync" --set log.level=warning \
            ${BENCH_ATRIUM_EXTRA_ARGS:-}
    ) >"$STATE/server-$sync.out" 2>"$STATE/server-$sync.err" &
    SERVER_PID=$!
    echo "$SERVER_PID" >"$BENCH_ATRIUM_PID_FILE"
    for i in $(seq 1 100); do
        port=$(sed -n 's#^atrium listening on http://[^:]*:\([0-9]*\).*#\1#p' "$STATE/server-$sync.out")
        [ -n "$port" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$port" ] || { log "server did not start: $(tail -3 "$STATE/server-$sync.err")"; return 1; }
    export BENCH_ATRIUM_PORT=$port BENCH_ATRIUM_SYNC=$sync
    BENCH_ATRIUM_TOKEN=$(curl -s -X POST -d '{"login":"bench1","password":"password-bench"}' \
        "http://127.0.0.1:$port/api/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') ||
        { log "sign-in failed"; return 1; }
    export BENCH_ATRIUM_TOKEN
    log "atrium pid $SERVER_PID port $port synchronous=$sync"
}

prepare_data || { log "data folder setup failed"; exit 1; }
{
    echo "date: $(date)"
    echo "machine: $(uname -srm), $(nproc) CPUs (shared with other work), $(grep MemTotal /proc/meminfo)"
    echo "load at start: $(cat /proc/loadavg)"
    echo "git: $(cd "$ROOT" && git rev-parse --short HEAD) $(cd "$ROOT" && git status --porcelain | wc -l) changed files"
} >"$OUT/machine.txt"

run_peers() { # OUTDIR, extra env as VAR=VALUE...
    local dir=$1
    shift
    (cd "$BENCH_DIR" && env OUT="$dir" EXTRA_TARGETS="$ROOT/bench/atrium-target.sh" "$@" ./run-peers.sh) 2>&1 |
        tee -a "$LOG" | grep -E '^\[|^\|' >&2
}

# ------------------------------------------------------------------ 5. phases
for phase in $PHASES; do
    case $phase in
    peers)
        start_server normal || exit 1
        if [ "${FULL_RUN:-0}" = 1 ]; then
            run_peers "$OUT/peers" TARGETS="$TARGETS"
        else
            # QUICK: 1 repetition, coarse ladder, 64 B only (the headline figures are 64 B)
            run_peers "$OUT/peers" QUICK=1 TARGETS="$TARGETS" SIZES="${SIZES:-64}"
        fi
        ;;
    sync)
        for sync in normal full; do
            start_server "$sync" || exit 1
            run_peers "$OUT/rooms-$sync" TARGETS=atrium SCENARIOS=rooms REPS="$SYNC_REPS"
        done
        ;;
    heavy)
        . "$ROOT/bench/atrium-target.sh"
        for sync in normal full; do
            start_server "$sync" || exit 1
            target_atrium
            mkdir -p "$OUT/heavy-$sync"
            best=0
            fails=0
            for rate in $HEAVY_RATES; do
                line=$(timeout -k 5 150 "$WSLOAD" rooms --label "atrium-$sync|heavy|64|1|$rate" --sources 32 \
                    --timeout 120 --connect-timeout 60 "${T_ROOMS[@]}" --rooms "$HEAVY_K" --members "$HEAVY_M" \
                    -r "$rate" -b 64 -d "$HEAVY_S" --max-p99-ms 50 --server-pid "$SERVER_PID" \
                    2>>"$OUT/heavy-$sync/wsload.stderr")
                rc=$?
                [ -n "$line" ] && echo "$line" >>"$OUT/heavy-$sync/results.jsonl"
                log "heavy $sync rate=$rate/member ($(python3 -c "print(round($rate*$HEAVY_K*$HEAVY_M))") msgs/s in): rc=$rc $(tail -1 "$OUT/heavy-$sync/wsload.stderr")"
                if [ $rc = 0 ]; then best=$rate; fails=0; else fails=$((fails + 1)); [ $fails -ge 2 ] && break; fi
            done
            log "heavy $sync: highest passing per-member rate $best msgs/s = $(python3 -c "print(round($best*$HEAVY_K*$HEAVY_M))") msgs/s in"
        done
        ;;
    storm)
        # storm once more with 3 repetitions (single storm runs are noisy on the shared VM)
        start_server normal || exit 1
        run_peers "$OUT/storm" TARGETS="${STORM_TARGETS:-atrium lws node}" SCENARIOS=storm REPS="${STORM_REPS:-3}"
        ;;
    own)
        # the project's own scenarios (Sources/AtriumBench), NORMAL and FULL
        (cd "$ROOT" && swift build -c release --scratch-path .build-bench --product atrium-bench) >>"$LOG" 2>&1 ||
            { log "atrium-bench build failed"; exit 1; }
        AB=$ROOT/.build-bench/release/atrium-bench
        mkdir -p "$OUT/own"
        for sync in normal full; do
            start_server "$sync" || exit 1
            for cmd in "commit-latency --rooms 50 --rate 20 --duration 10" \
                       "commit-latency --rooms 200 --rate 25 --duration 10" \
                       "resume-storm --room bench --clients 200 --backlog 500 --rate 50 --duration 5"; do
                log "atrium-bench $cmd (synchronous=$sync)"
                # shellcheck disable=SC2086
                "$AB" $cmd --port "$BENCH_ATRIUM_PORT" --token "$BENCH_ATRIUM_TOKEN" \
                    $([ "${cmd%% *}" = commit-latency ] && echo --sync "$sync") 2>&1 | tee -a "$OUT/own/$sync.txt" >&2
            done
        done
        ;;
    idle)
        # run-peers.sh restarts each peer before every scenario, but Atrium (started here)
        # keeps its heap from the earlier scenarios, so its idle figure there reads ~0 B/conn:
        # measure again on a fresh server (same wsload command as run-peers.sh).
        . "$ROOT/bench/atrium-target.sh"
        mkdir -p "$OUT/idle-fresh"
        for rep in $(seq 1 "${IDLE_REPS:-2}"); do
            start_server normal || exit 1
            sleep 1
            target_atrium
            line=$(timeout -k 5 90 "$WSLOAD" idle --label "atrium|idle-fresh|0|$rep|0" --sources 32 --timeout 60 \
                "${T_IDLE[@]}" -n "${IDLE_N:-10000}" -d 5 -c 256 --connect-timeout 40 --server-pid "$SERVER_PID" \
                2>>"$OUT/idle-fresh/wsload.stderr")
            [ -n "$line" ] && echo "$line" >>"$OUT/idle-fresh/results.jsonl"
            log "idle (fresh server) rep $rep: $(tail -1 "$OUT/idle-fresh/wsload.stderr")"
        done
        ;;
    *) log "unknown phase $phase" ;;
    esac
done
stop_server
echo "end: $(date); load $(cat /proc/loadavg)" >>"$OUT/machine.txt"
log "done; results in $OUT"
