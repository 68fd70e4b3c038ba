# atrium-target.sh - Atrium as a target of the shared peer bench (bench/run-peers.sh from
# /work/shared/bench, run from a copy such as /tmp/bench):
#
#   EXTRA_TARGETS=/work/main/bench/atrium-target.sh TARGETS="atrium lws nchan1 node" ./run-peers.sh
#
# The server is started outside run-peers.sh (bench/run-atrium-vs-peers.sh does it), so
# T_PEER is empty and the pid comes from a file. Environment read here:
#   BENCH_ATRIUM_PORT      port the server listens on (required)
#   BENCH_ATRIUM_TOKEN     a session token (POST /api/session), shared by every connection
#   BENCH_ATRIUM_PID_FILE  file holding the server's pid (default /tmp/atrium-bench/atrium.pid)
#   BENCH_ATRIUM_ROOM      room for fanout / idle / storm (default "bench"; must exist)
#   BENCH_ATRIUM_ROOMS_PREFIX  rooms scenario: wsload names rooms <prefix>-0 .. <prefix>-(K-1)
#                    (default "rm"); they must exist (run-atrium-vs-peers.sh creates them)
#
# (Not ATRIUM_*: `atrium serve` treats every ATRIUM_* variable as a config key and refuses
# unknown ones.)
#
# Notes on the mapping (docs/benchmarks.md has the details):
# * every connection sends hello (token) then join, in one --init (newline = two frames);
#   the join carries since=999999999 so that no history is replayed (since > latest ->
#   reset:true, nothing replayed), and a join without ref gets no reply: the welcome is
#   the ready signal (--ready-any).
# * Atrium coalesces queued messages for one connection into one frame (JSON Lines), which
#   stock wsload counts as one message: --split-lines (bench/wsload-split-lines.patch)
#   counts each line.
# * chat.send is committed to SQLite before fan-out; the sender gets its own event back
#   (rooms: --echo 1). The nonce must be unique per user and room across all runs (a resend
#   with the same nonce is deduplicated): n<conn index>-<seq>-<monotonic ns>.
target_atrium() {
    T_PEER=""
    T_PID_CMD="cat ${BENCH_ATRIUM_PID_FILE:-/tmp/atrium-bench/atrium.pid}"
    T_NOTE="Atrium (Swift 6 + libwebsockets 4.1.6 on libuv), chat.send committed to SQLite (synchronous=${BENCH_ATRIUM_SYNC:-normal}) before fan-out, JSON Lines coalescing"
    local port=${BENCH_ATRIUM_PORT:?BENCH_ATRIUM_PORT not set}
    local tok=${BENCH_ATRIUM_TOKEN:?BENCH_ATRIUM_TOKEN not set}
    local init
    init=$(printf '{"type":"hello","token":"%s"}\n{"type":"join","room":"{room}","since":999999999}' "$tok")
    local msg='{"type":"chat.send","room":"{room}","text":"ts={ts} {pad}","nonce":"n{i}-{seq}-{ts}"}'
    local base=(-u "ws://127.0.0.1:$port/ws" --proto atrium.v1 --init "$init" --ready-any --split-lines
        -m "$msg" --ts-key 'ts=')
    T_FANOUT=("${base[@]}" --room "${BENCH_ATRIUM_ROOM:-bench}" --pub-init "$init")
    T_IDLE=("${base[@]}" --room "${BENCH_ATRIUM_ROOM:-bench}")
    T_STORM=("${base[@]}" --room "${BENCH_ATRIUM_ROOM:-bench}")
    T_ROOMS=("${base[@]}" --room "${BENCH_ATRIUM_ROOMS_PREFIX:-rm}" --echo 1)
}
