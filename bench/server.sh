#!/usr/bin/env bash
# The runtime server under load: csflow-runtime serve with each store, and the XState peer
# in a plain node:http server, driven by the same generator (bench/src/bin/http_load.rs) on
# the same tree (flowgen, N states). Appends one JSON line per run to $WORK/server.jsonl.
# Env: N (tree size, 1000), CONVS (50000), CLIENTS (1000), DURATION (20 s), WORK, PEERS (the
# peers' node_modules parent, /tmp/csflow-peers), PEERS_SRC (flowgen.js), REDIS_PORT, RATE.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
N="${N:-1000}"; CONVS="${CONVS:-50000}"; CLIENTS="${CLIENTS:-1000}"; SECONDS_="${DURATION:-20}"
WORK="${WORK:-/tmp/csflow-bench-server}"; PEERS="${PEERS:-/tmp/csflow-peers}"
PEERS_SRC="${PEERS_SRC:-$(cd "$ROOT/../shared/bench/peers" 2>/dev/null && pwd || echo /work/shared/bench/peers)}"
mkdir -p "$WORK"
# (`--bin` would apply to every -p: each package is built on its own.)
cargo build --release -p csflow-server >/dev/null
cargo build --release -p csflow-bench --bin http_load >/dev/null
cargo build --release -p csflow >/dev/null
[ -x ./target/release/csflow-runtime ] || { echo 'csflow-runtime was not built' >&2; exit 1; }
node "$PEERS_SRC/flowgen.js" "$N" csflow > "$WORK/ivr.csflow"
./target/release/csflow build "$WORK/ivr.csflow" -o "$WORK/ivr.csfb"
cat > "$WORK/bench.toml" <<TOML
[limits]
requests_per_second = 1000000
burst = 1000000
max_conversations_per_client = 1000000
[sessions]
transcript = false
TOML
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
load() { # label base pid [http_load options, overriding the defaults]
  local label="$1" base="$2" pid="$3"; shift 3
  ./target/release/http_load --base "$base" --flow ivr --conversations "$CONVS" --clients "$CLIENTS" \
    --seconds "$SECONDS_" --server-pid "$pid" --label "$label" "$@" | tee -a "$WORK/server.jsonl"
}
serve() { # label store [http_load options]
  local label="$1" store="$2"; shift 2
  set -- "$label" "$store" "$@"
  local p; p="$(port)"
  ./target/release/csflow-runtime serve "$WORK/ivr.csfb" --listen "127.0.0.1:$p" --store "$2" \
    --config "$WORK/bench.toml" 2>"$WORK/$1.log" &
  local pid=$!
  for _ in $(seq 100); do grep -q listening "$WORK/$1.log" && break; sleep 0.1; done
  load "$1" "http://127.0.0.1:$p" "$pid" "${@:3}"
  kill "$pid"; wait "$pid" || true
}
# Closed loop, 1,000 clients: throughput (latency is then clients ÷ throughput).
serve memory memory
# What issue 9's latency target asks: callers at a fixed rate (open loop, latency from when
# each turn was due), and a closed loop with fewer clients.
serve memory-open-${RATE:-30000} memory --rate "${RATE:-30000}"
serve memory-64-clients memory --clients 64
rm -f "$WORK/sessions.db"*
serve sqlite "sqlite:$WORK/sessions.db"
if command -v redis-server >/dev/null; then
  rp="${REDIS_PORT:-$(port)}"
  redis-server --port "$rp" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
  rpid=$!
  for _ in $(seq 50); do redis-cli -p "$rp" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  serve redis "redis://127.0.0.1:$rp"
  echo "redis-server RSS: $(grep VmRSS /proc/$rpid/status)" | tee -a "$WORK/server.jsonl"
  kill "$rpid"
fi
if [ ! -d "$PEERS/node_modules/xstate" ]; then
  (mkdir -p "$PEERS" && cd "$PEERS" && npm init -y >/dev/null && npm install --silent xstate@5.33.3 >/dev/null)
fi
p="$(port)"
NODE_PATH="$PEERS/node_modules" node "$ROOT/bench/xstate_http.js" "$N" "$p" "$PEERS_SRC" >"$WORK/xstate.log" 2>&1 &
xpid=$!
for _ in $(seq 100); do grep -q listening "$WORK/xstate.log" && break; sleep 0.1; done
load xstate-node-http "http://127.0.0.1:$p" "$xpid"
kill "$xpid"
