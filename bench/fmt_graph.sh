#!/usr/bin/env bash
# Issue 11's speed targets, measured on the release build:
#   a. `csflow graph` of a 400-state flow to SVG (the peers' IVR tree, `flowgen.js 400`),
#      the whole process including Graphviz's `dot` — target < 2 s;
#      also the 1,000-state tree, and a part of it (--from s3 --depth 2);
#   b. `csflow fmt --check` on the 100,000-state tree — target < 1 s — both as `flowgen.js`
#      writes it (the formatter changes every menu) and already formatted (nothing to do);
#   c. `csflow check` of the same tree: wall, CPU and peak RSS (issue 8: no slower, and its
#      memory back to the ~360 MB it had before the foundations work).
# Each figure: median of REPS runs (default 5) of wall time, user+sys CPU time and maximum
# resident set size, from /usr/bin/time. On a shared machine wall time follows the load: the CPU time is printed
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

# median WALL, CPU and peak RSS (MB) of REPS runs of the command
measure() {
  local walls=() cpus=() rsss=() i line
  for i in $(seq "$REPS"); do
    /usr/bin/time -o "$WORK/time.txt" -f '%e %U %S %M' "$@" >/dev/null 2>&1 || true
    line="$(tail -1 "$WORK/time.txt")"
    walls+=("$(echo "$line" | awk '{print $1}')")
    cpus+=("$(echo "$line" | awk '{printf "%.2f", $2 + $3}')")
    rsss+=("$(echo "$line" | awk '{printf "%.0f", $4 / 1024}')")
  done
  median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  echo "$(median "${walls[@]}") $(median "${cpus[@]}") $(median "${rsss[@]}")"
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(dot -V 2>&1)"
echo
echo "| workload | wall (median of $REPS) | CPU user+sys | peak RSS | target |"
echo "|---|---|---|---|---|"
read -r wall cpu rss < <(measure "$CSFLOW" graph "$WORK/tree_400.csflow" --flow ivr --format svg -o "$WORK/tree_400.svg")
echo "| csflow graph, 400-state tree → SVG | ${wall} s | ${cpu} s | ${rss} MB | < 2 s |"
read -r wall cpu rss < <(measure "$CSFLOW" graph "$WORK/tree_400.csflow" --flow ivr --format dot -o "$WORK/tree_400.dot")
echo "| csflow graph, 400-state tree → DOT (no layout) | ${wall} s | ${cpu} s | ${rss} MB | |"
read -r wall cpu rss < <(measure "$CSFLOW" graph "$WORK/tree_1000.csflow" --flow ivr --format svg -o "$WORK/tree_1000.svg")
echo "| csflow graph, 1,000-state tree → SVG | ${wall} s | ${cpu} s | ${rss} MB | |"
read -r wall cpu rss < <(measure "$CSFLOW" graph "$WORK/tree_1000.csflow" --flow ivr --from s3 --depth 2 --format svg -o "$WORK/part.svg")
echo "| csflow graph, 1,000-state tree, --from s3 --depth 2 → SVG | ${wall} s | ${cpu} s | ${rss} MB | |"
if "$CSFLOW" fmt --help >/dev/null 2>&1; then
  read -r wall cpu rss < <(measure "$CSFLOW" fmt --check "$WORK/tree_100000.csflow")
  echo "| csflow fmt --check, 100,000-state tree as flowgen.js writes it | ${wall} s | ${cpu} s | ${rss} MB | < 1 s |"
  cp "$WORK/tree_100000.csflow" "$WORK/formatted_100000.csflow"
  "$CSFLOW" fmt "$WORK/formatted_100000.csflow" >/dev/null
  read -r wall cpu rss < <(measure "$CSFLOW" fmt --check "$WORK/formatted_100000.csflow")
  echo "| csflow fmt --check, 100,000-state tree already formatted | ${wall} s | ${cpu} s | ${rss} MB | < 1 s |"
else
  echo "| csflow fmt --check, 100,000-state tree | not measured: this build has no \`csflow fmt\` | | | < 1 s |"
fi
read -r wall cpu rss < <(measure "$CSFLOW" check "$WORK/tree_100000.csflow")
echo "| csflow check, 100,000-state tree | ${wall} s | ${cpu} s | ${rss} MB | ≤ 360 MB, no slower |"
