#!/usr/bin/env bash
# Issue 9: 1,000 conversations waiting on a service that answers in 2 s, while other callers
# take turns — the server must not hold a thread per call, and the others' turns keep their
# normal latency (bench/src/bin/slow_calls.rs). Appends one JSON line to $WORK/server.jsonl.
# Env: CALLS (1000), DELAY_MS (2000), CLIENTS (20 other callers), WORK.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
WORK="${WORK:-/tmp/csflow-bench-server}"
PEERS_SRC="${PEERS_SRC:-$(cd "$ROOT/../shared/bench/peers" 2>/dev/null && pwd || echo /work/shared/bench/peers)}"
mkdir -p "$WORK/slow"
cargo build --release -p csflow-server -p csflow-bench --bin slow_calls >/dev/null
cargo build --release -p csflow >/dev/null
node "$PEERS_SRC/flowgen.js" 1000 csflow > "$WORK/slow/ivr.csflow"
# (the tree declares `queue agents`)
cat > "$WORK/slow/calls.csflow" <<'FLOW'
service slow {
  operation answer(n: digits) returns { state: text }
  timeout 10s
}

flow calls {
  channel chat
  start ask_n
  slot n: digits
  on no_match retry 1 then handoff agents
  on no_input retry 1 then handoff agents
  on error handoff agents

  state ask_n {
    ask n "A number?"
    call slow.answer(n: n) into r
    say "The service says {r.state}."
    end
  }
}
FLOW
./target/release/csflow build "$WORK/slow" -o "$WORK/slow.csfb" >/dev/null
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
stub="$(port)"; p="$(port)"
cat > "$WORK/slow.toml" <<TOML
[limits]
requests_per_second = 1000000
burst = 1000000
max_conversations_per_client = 1000000
[sessions]
transcript = false
[services.slow]
url = "http://127.0.0.1:$stub/slow"
TOML
./target/release/csflow-runtime serve "$WORK/slow.csfb" --listen "127.0.0.1:$p" \
  --config "$WORK/slow.toml" 2>"$WORK/slow.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$WORK/slow.log" && break; sleep 0.1; done
./target/release/slow_calls --base "http://127.0.0.1:$p" --stub-port "$stub" \
  --calls "${CALLS:-1000}" --delay-ms "${DELAY_MS:-2000}" --clients "${CLIENTS:-20}" \
  --server-pid "$pid" | tee -a "$WORK/server.jsonl"
