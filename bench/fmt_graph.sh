#!/usr/bin/env bash
# Issue 11's speed targets, measured on the release build:
#   a. `csflow graph` of a 400-state flow to SVG (the peers' IVR tree, `flowgen.js 400`),
#      the whole process including Graphviz's `dot` — target < 2 s;
#      also the 1,000-state tree, and a part of it (--from s3 --depth 2);
#   b. `csflow fmt --check` on the 100,000-state tree — target < 1 s (skipped, and said so,
#      when this build has no `csflow fmt`).
# Each figure: median of REPS runs (default 5) of wall time, and user+sys CPU time, from
# /usr/bin/time. On a shared machine wall time follows the load: the CPU time is printed
# beside it, with the load average at the start.
#
#   bench/fmt_graph.sh [--reps N]
set -euo pipefail
REPS=5
[ "${1:-}" = "--reps" ] && REPS="$2"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PEERS_SRC="${PEERS_SRC:-$(cd "$ROOT/../shared/bench/peers" 2>/dev/null && pwd || echo /work/shared/bench/peers)}"
WORK="${WORK:-/tmp/csflow-bench-fmt-graph}"
mkdir -p "$WORK"
command -v dot >/dev/null || { echo "Graphviz's dot is needed (apt install graphviz)" >&2; exit 2; }
(cd "$ROOT" && cargo build --release -q -p csflow)
CSFLOW="$ROOT/target/release/csflow"
for n in 400 1000 100000; do
  [ -s "$WORK/tree_$n.csflow" ] || node "$PEERS_SRC/flowgen.js" "$n" csflow > "$WORK/tree_$n.csflow"
done

# median WALL and CPU of REPS runs of the command
measure() {
  local walls=() cpus=() i line
  for i in $(seq "$REPS"); do
    /usr/bin/time -o "$WORK/time.txt" -f '%e %U %S' "$@" >/dev/null 2>&1 || true
    line="$(tail -1 "$WORK/time.txt")"
    walls+=("$(echo "$line" | awk '{print $1}')")
    cpus+=("$(echo "$line" | awk '{printf "%.2f", $2 + $3}')")
  done
  local wall cpu
  wall="$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  cpu="$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  echo "$wall $cpu"
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(dot -V 2>&1)"
echo
echo "| workload | wall (median of $REPS) | CPU user+sys | target |"
echo "|---|---|---|---|"
read -r wall cpu < <(measure "$CSFLOW" graph "$WORK/tree_400.csflow" --flow ivr --format svg -o "$WORK/tree_400.svg")
echo "| csflow graph, 400-state tree → SVG | ${wall} s | ${cpu} s | < 2 s |"
read -r wall cpu < <(measure "$CSFLOW" graph "$WORK/tree_400.csflow" --flow ivr --format dot -o "$WORK/tree_400.dot")
echo "| csflow graph, 400-state tree → DOT (no layout) | ${wall} s | ${cpu} s | |"
read -r wall cpu < <(measure "$CSFLOW" graph "$WORK/tree_1000.csflow" --flow ivr --format svg -o "$WORK/tree_1000.svg")
echo "| csflow graph, 1,000-state tree → SVG | ${wall} s | ${cpu} s | |"
read -r wall cpu < <(measure "$CSFLOW" graph "$WORK/tree_1000.csflow" --flow ivr --from s3 --depth 2 --format svg -o "$WORK/part.svg")
echo "| csflow graph, 1,000-state tree, --from s3 --depth 2 → SVG | ${wall} s | ${cpu} s | |"
if "$CSFLOW" fmt --help >/dev/null 2>&1; then
  read -r wall cpu < <(measure "$CSFLOW" fmt --check "$WORK/tree_100000.csflow")
  echo "| csflow fmt --check, 100,000-state tree | ${wall} s | ${cpu} s | < 1 s |"
else
  echo "| csflow fmt --check, 100,000-state tree | not measured: this build has no \`csflow fmt\` | | < 1 s |"
fi
