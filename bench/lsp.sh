#!/usr/bin/env bash
# The language server through a real client over stdio (bench/src/bin/lsp_latency.rs):
# keystroke → published diagnostics, completion and hover latency, server memory.
#
#   bench/lsp.sh [KEYSTROKES]
#
# a. the 10,000-line project: `gen_project.py 1040 DIR 2` (51 files, ~10,300 lines), the
#    keystrokes typed in depts/dept_0000.csflow;
# b. the 100,000-state tree of flowgen.js (`node flowgen.js 100000 csflow`, one file of
#    656,261 lines), fewer keystrokes.
# Files go to $WORK (default /tmp/csflow-bench-lsp); nothing is written in the repository.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
WORK="${WORK:-/tmp/csflow-bench-lsp}"
PEERS_SRC="${PEERS_SRC:-$(cd "$ROOT/../shared/bench/peers" 2>/dev/null && pwd || echo /work/shared/bench/peers)}"
KEYS="${1:-40}"
mkdir -p "$WORK"
cargo build --release -q -p csflow -p csflow-bench --manifest-path "$ROOT/Cargo.toml"
BIN="$ROOT/target/release"

rm -rf "$WORK/project" && python3 "$HERE/gen_project.py" 1040 "$WORK/project" 2 >/dev/null
echo "project: $(find "$WORK/project" -name '*.csflow' | wc -l) files, $(cat $(find "$WORK/project" -name '*.csflow') | wc -l) lines"
"$BIN/lsp_latency" "$BIN/csflow" "$WORK/project" "$WORK/project/depts/dept_0000.csflow" "$KEYS"

mkdir -p "$WORK/tree"
[ -s "$WORK/tree/tree_100000.csflow" ] || node "$PEERS_SRC/flowgen.js" 100000 csflow > "$WORK/tree/tree_100000.csflow"
"$BIN/lsp_latency" "$BIN/csflow" "$WORK/tree" "$WORK/tree/tree_100000.csflow" 6
