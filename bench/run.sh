#!/usr/bin/env bash
# csflow vs peers (inkjs 2.4.0, XState 5.33.3), measured side by side in one run.
#
#   bench/run.sh [--quick] [--skip-slow] [--reps N]
#
#   --quick      smaller run: IVR trees N = 1,000 / 10,000 (plus the 100,000 csflow check,
#                the target), project 10,000 states, M = 10,000 conversations, 1 repetition
#   --skip-slow  skip the inkjs compile of the 100,000-state tree (~70 s + ~4 GB); the
#                output says so
#   --reps N     repetitions per measurement (default 3; medians are reported)
#   --smoke      tiny sizes, 1 repetition: tests this script, the figures mean nothing
#
# What it does (details and the recorded figures: bench/README.md):
#   0. installs the peers into /tmp/csflow-peers (npm install inkjs@2.4.0 xstate@5.33.3) if
#      missing, and builds csflow, csflow-bench and compiler/examples/phases in release mode;
#   a. check speed on the peers' IVR tree (`node flowgen.js N csflow`, files under
#      $WORK): `csflow check` wall time + peak RSS (/usr/bin/time -v), on both cores and
#      pinned to one, `phases` (parse vs resolve+checks), and the peers' compile/create on
#      the same N (ink_compile.js, xstate_create.js, pinned with taskset like bench.py);
#   b. check speed on bench/gen_project.py's realistic multi-file projects;
#   c. runtime on the N=1,000 tree: csflow-bench's vm_turns (in-process VM, one thread,
#      the peers' simulated caller) vs xstate_run.js (actor) and ink_run.js (shared) for the
#      same M and K=20, all pinned; bundle size and load+verify time of the 100,000 tree;
#   d. prints one markdown table per workload (bench/report.py) and the targets.
# Raw records: $WORK/raw.jsonl; tables: $WORK/tables.md. Nothing is written in the repo.
#
# Env: WORK (default /tmp/csflow-bench-run), PEERS (/tmp/csflow-peers), PEERS_SRC
# (/work/shared/bench/peers), CPU (the core runs are pinned to, default 0).
set -euo pipefail

QUICK=0
SKIP_SLOW=0
REPS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; REPS=1 ;;
    --smoke) QUICK=2; REPS=1 ;;
    --skip-slow) SKIP_SLOW=1 ;;
    --reps) REPS="$2"; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
WORK="${WORK:-/tmp/csflow-bench-run}"
PEERS="${PEERS:-/tmp/csflow-peers}"
PEERS_SRC="${PEERS_SRC:-$(cd "$(dirname "$0")/../../shared/bench/peers" && pwd)}"
CPU="${CPU:-0}"
RAW="$WORK/raw.jsonl"
NODE=(node --expose-gc --max-old-space-size=16000)
export NODE_PATH="$PEERS/node_modules" BENCH_CACHE="$PEERS/cache"

if [ "$QUICK" = 2 ]; then
  TREE_SIZES=(1000 3000); PEER_TREE_SIZES=(1000); PROJECT_SIZES=(2000); RUN_MS=(2000)
elif [ "$QUICK" = 1 ]; then
  TREE_SIZES=(1000 10000 100000); PEER_TREE_SIZES=(1000 10000)
  PROJECT_SIZES=(10000 100000); RUN_MS=(10000)
else
  TREE_SIZES=(1000 10000 100000); PEER_TREE_SIZES=(1000 10000 100000)
  PROJECT_SIZES=(10000 100000); RUN_MS=(10000 100000)
fi

mkdir -p "$WORK"
: > "$RAW"
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# --- 0. peers and builds -------------------------------------------------------------------
if [ ! -d "$PEERS/node_modules/inkjs" ] || [ ! -d "$PEERS/node_modules/xstate" ]; then
  log "installing inkjs@2.4.0 xstate@5.33.3 into $PEERS"
  mkdir -p "$PEERS"
  (cd "$PEERS" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-audit --no-fund inkjs@2.4.0 xstate@5.33.3 >/dev/null)
fi
mkdir -p "$BENCH_CACHE"
log "building csflow, csflow-bench (release)"
(cd "$ROOT" && cargo build --release -q -p csflow -p csflow-bench)
PHASES=1
if ! (cd "$ROOT" && cargo build --release -q -p csflow-compiler --example phases); then
  log "compiler/examples/phases does not build right now: parse/check split skipped"
  PHASES=0
fi
CSFLOW="$ROOT/target/release/csflow"
BIN="$ROOT/target/release"

# timed GROUP TOOL SIZE PINNED CMD... : runs CMD $REPS times (or $ONCE=1: once) under
# /usr/bin/time -v and appends one JSON record per run to $RAW (wall, peak RSS, exit status,
# last stdout line).
timed() {
  local group="$1" tool="$2" size="$3" pinned="$4"; shift 4
  local reps="$REPS"; [ "${ONCE:-0}" = 1 ] && reps=1
  local r
  for ((r = 0; r < reps; r++)); do
    local t0 t1 rc=0
    t0=$EPOCHREALTIME
    /usr/bin/time -v -o "$WORK/time.txt" "$@" > "$WORK/out.txt" 2> "$WORK/err.txt" || rc=$?
    t1=$EPOCHREALTIME
    python3 - "$group" "$tool" "$size" "$pinned" "$r" "$rc" "$t0" "$t1" "$*" >> "$RAW" <<'PY'
import json, re, sys
group, tool, size, pinned, rep, rc, t0, t1, cmd = sys.argv[1:]
work = __import__('os').environ['WORK']
time_txt = open(f'{work}/time.txt').read()
m = re.search(r'Maximum resident set size \(kbytes\): (\d+)', time_txt)
out = open(f'{work}/out.txt', errors='replace').read().strip().splitlines()
err = open(f'{work}/err.txt', errors='replace').read().strip().splitlines()
rec = {'group': group, 'tool': tool, 'size': int(size), 'pinned': pinned == '1', 'rep': int(rep),
       'rc': int(rc), 'wallS': float(t1) - float(t0), 'peakRssMB': int(m.group(1)) / 1024 if m else None,
       'cmd': cmd, 'stdout': out[-1] if out else '', 'stderr': err[-1] if err else ''}
print(json.dumps(rec))
PY
    if [ "$rc" != 0 ]; then log "  exit $rc: $* ($(tail -1 "$WORK/err.txt"))"; fi
  done
}
export WORK

# --- a. check speed on the IVR tree --------------------------------------------------------
for n in "${TREE_SIZES[@]}"; do
  tree="$WORK/tree_$n.csflow"
  node "$PEERS_SRC/flowgen.js" "$n" csflow > "$tree"
  log "tree N=$n: csflow check ($(wc -l < "$tree") lines, $(du -h "$tree" | cut -f1))"
  timed check_tree csflow "$n" 0 "$CSFLOW" check "$tree"
  timed check_tree csflow "$n" 1 taskset -c "$CPU" "$CSFLOW" check "$tree"
  if [ "$PHASES" = 1 ]; then
    timed phases_tree csflow "$n" 0 "$BIN/examples/phases" "$tree"
  fi
done
for n in "${PEER_TREE_SIZES[@]}"; do
  log "tree N=$n: xstate_create, ink_compile"
  (cd "$PEERS_SRC" && timed check_tree xstate "$n" 1 taskset -c "$CPU" "${NODE[@]}" xstate_create.js "$n")
  if [ "$n" = 100000 ] && [ "$SKIP_SLOW" = 1 ]; then
    log "SKIPPED (--skip-slow): inkjs compile of the 100,000-state tree"
    echo '{"group":"check_tree","tool":"inkjs","size":100000,"skipped":true}' >> "$RAW"
  elif [ "$n" = 100000 ]; then
    (cd "$PEERS_SRC" && ONCE=1 timed check_tree inkjs "$n" 1 taskset -c "$CPU" "${NODE[@]}" ink_compile.js "$n")
  else
    (cd "$PEERS_SRC" && timed check_tree inkjs "$n" 1 taskset -c "$CPU" "${NODE[@]}" ink_compile.js "$n")
  fi
done

# --- b. check speed on realistic projects --------------------------------------------------
for s in "${PROJECT_SIZES[@]}"; do
  dir="$WORK/project_$s"
  rm -rf "$dir"
  python3 "$HERE/gen_project.py" "$s" "$dir" > "$WORK/project_$s.json"
  log "project ~$s states: $(cat "$WORK/project_$s.json")"
  timed check_project csflow "$s" 0 "$CSFLOW" check "$dir"
  timed check_project csflow "$s" 1 taskset -c "$CPU" "$CSFLOW" check "$dir"
done

# --- c. runtime ------------------------------------------------------------------------------
for m in "${RUN_MS[@]}"; do
  log "runtime N=1000 M=$m K=20: csflow vm_turns, xstate actor, inkjs shared"
  timed run csflow "$m" 1 taskset -c "$CPU" "$BIN/vm_turns" "$WORK/tree_1000.csflow" "$m" 20
  # The same with each conversation keeping its transcript in memory (as `csflow test` does).
  timed run csflow_transcript "$m" 1 taskset -c "$CPU" "$BIN/vm_turns" "$WORK/tree_1000.csflow" "$m" 20 --transcript
  (cd "$PEERS_SRC" && timed run xstate "$m" 1 taskset -c "$CPU" "${NODE[@]}" xstate_run.js 1000 "$m" 20 actor)
  if [ "$m" -ge 100000 ]; then
    # ~4 min of session creation + ~2.5 min of turns per run: once.
    (cd "$PEERS_SRC" && ONCE=1 timed run inkjs "$m" 1 taskset -c "$CPU" "${NODE[@]}" ink_run.js 1000 "$m" 20 shared)
  else
    (cd "$PEERS_SRC" && timed run inkjs "$m" 1 taskset -c "$CPU" "${NODE[@]}" ink_run.js 1000 "$m" 20 shared)
  fi
done
BIG="${TREE_SIZES[-1]}"
log "bundle of the $BIG-state tree: encode, load+verify"
ONCE=1 timed bundle csflow "$BIG" 1 taskset -c "$CPU" "$BIN/bundle_load" "$WORK/tree_$BIG.csflow" 7

# --- d. tables -------------------------------------------------------------------------------
{
  echo "Machine: nproc $(nproc), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, Linux $(uname -r), $(node --version), $(rustc --version)"
  echo "Run: $(date -u +%FT%TZ), reps $REPS$([ "$QUICK" = 1 ] && echo ', --quick')$([ "$SKIP_SLOW" = 1 ] && echo ', --skip-slow')"
  echo
  python3 "$HERE/report.py" "$RAW"
} | tee "$WORK/tables.md"
