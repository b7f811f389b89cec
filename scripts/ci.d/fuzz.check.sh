# Time-boxed fuzzing of the parser (with the checks and renderers behind it) and the bundle
# loader: ~30 s each (FUZZ_SECONDS), seeded with the examples and their bundles. Sourced by
# scripts/test after `cargo test`. A crash fails CI and leaves its input under
# fuzz/artifacts/. cargo-fuzz is installed once (~2 min) and reused when present.
FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
# Opt-in until the fuzz targets have built and run once on a clean machine (they have not
# yet): `CSFLOW_FUZZ=1 ./scripts/test` runs them.
if [ "${CSFLOW_FUZZ:-}" != 1 ]; then
  echo "fuzz: skipped (CSFLOW_FUZZ=1 runs the parse and bundle targets for ${FUZZ_SECONDS}s each)"
  return 0
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz >/dev/null
fi
corpus="$ROOT/fuzz/corpus"
mkdir -p "$corpus/parse" "$corpus/bundle"
find "$ROOT/examples" -name '*.csflow' -exec cp {} "$corpus/parse/" \;
for example in bank leads shop utility; do
  ./target/debug/csflow build "examples/$example" -o "$corpus/bundle/$example.csfb" >/dev/null
done
for target in parse bundle; do
  # On stable, libFuzzer runs without a sanitizer (coverage guidance still works).
  fuzz_log="$(mktemp)"
  on_exit rm -f "$fuzz_log"
  fuzz_status=0
  (cd "$ROOT/fuzz" && cargo fuzz run -s none "$target" "$corpus/$target" -- \
    -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1) \
    >"$fuzz_log" 2>&1 || fuzz_status=$?
  grep -E 'stat::number_of_executed_units|^Done' "$fuzz_log" || true
  if [ "$fuzz_status" -ne 0 ]; then
    tail -40 "$fuzz_log" >&2
    echo "fuzz target $target failed (exit $fuzz_status); a crashing input is under fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
