# Time-boxed fuzzing of the parser (with every check and renderer behind it) and of the
# bundle loader: FUZZ_SECONDS (default 30) each, so a minute in all, seeded with the
# examples and their bundles. Sourced by scripts/test after `cargo test`; runs by default
# (CSFLOW_FUZZ=0 skips it for a quick local run). A crash, a leak past 2 GB or an input
# slower than 10 s fails CI and leaves the input under fuzz/artifacts/TARGET/, named in
# the message with the command that replays it. The targets build without a sanitizer
# (`-s none`: stable Rust; coverage guidance still works) and with 16 codegen units, the
# cheapest build that still fuzzes well (with cargo-fuzz's default of one codegen unit the
# build took 30 min on a loaded 2-core machine, bench/README.md).
# cargo-fuzz is installed when missing (~2 min).
FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
if [ "${CSFLOW_FUZZ:-1}" = 0 ]; then
  echo "fuzz: skipped (CSFLOW_FUZZ=0)"
  return 0
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz >/dev/null
fi
fuzz_flags=(-s none --codegen-units 16)
fuzz_started=$SECONDS
(cd "$ROOT/fuzz" && cargo fuzz build "${fuzz_flags[@]}")
echo "fuzz: both targets built in $((SECONDS - fuzz_started)) s"

# Seeds: every example file, and the bundles of the example projects.
corpus="$ROOT/fuzz/corpus"
mkdir -p "$corpus/parse" "$corpus/bundle"
find "$ROOT/examples" -name '*.csflow' -exec cp {} "$corpus/parse/" \;
for example in "$ROOT"/examples/*/; do
  name="$(basename "$example")"
  [ "$name" = common ] && continue
  ./target/debug/csflow build "$example" -o "$corpus/bundle/$name.csfb" >/dev/null
done

for target in parse bundle; do
  fuzz_log="$(mktemp)"
  on_exit rm -f "$fuzz_log"
  artifacts="$ROOT/fuzz/artifacts/$target"
  mkdir -p "$artifacts"
  fuzz_status=0
  (cd "$ROOT/fuzz" && cargo fuzz run "${fuzz_flags[@]}" "$target" "$corpus/$target" -- \
    -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1) >"$fuzz_log" 2>&1 || fuzz_status=$?
  grep -E 'stat::number_of_executed_units|^Done' "$fuzz_log" || true
  if [ "$fuzz_status" -ne 0 ]; then
    tail -60 "$fuzz_log" >&2
    found="$(ls -t "$artifacts" 2>/dev/null | head -1)"
    {
      echo
      echo "FUZZ FAILURE: target '$target' exited with status $fuzz_status."
      if [ -n "$found" ]; then
        echo "The input that failed is kept at fuzz/artifacts/$target/$found ($(wc -c <"$artifacts/$found") bytes)."
        echo "Replay it: (cd fuzz && cargo fuzz run ${fuzz_flags[*]} $target artifacts/$target/$found)"
      else
        echo "No input was saved (the fuzzer itself failed; see the log above)."
      fi
    } >&2
    exit 1
  fi
done
