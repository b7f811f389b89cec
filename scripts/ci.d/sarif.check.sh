# `csflow check --format sarif` validates with no error and no warning under Microsoft's
# validator: on the examples (clean) and on a project with warnings and an error (results,
# related locations, fixes).
sarif_dir="$(mktemp -d)"
on_exit rm -rf "$sarif_dir"
mkdir -p "$sarif_dir/warnings"
cat > "$sarif_dir/warnings/app.csflow" <<'CSFLOW'
queue general { skills ["general"] }
intent agent { "agent" "talk to a person" }
intent unused_one { "something else" }
flow main {
  slot pin: digits(4) sensitive
  state start {
    ask pin "Your PIN?"
    say "You said {pin}."
    menu "Press 1 for help." {
      option "Help" key "1" handoff general
    }
  }
  state lost {
    say "Nobody comes here."
    goto start
  }
}
CSFLOW
./target/debug/csflow check examples --format sarif --today 2026-11-21 > "$sarif_dir/examples.sarif"
set +e
./target/debug/csflow check "$sarif_dir/warnings" --format sarif --today 2026-11-21 > "$sarif_dir/warnings.sarif"
status=$?
set -e
[ "$status" -le 1 ] || { echo "csflow check --format sarif failed with $status"; exit 1; }
grep -q '"ruleId"' "$sarif_dir/warnings.sarif" || { echo "the warnings project gave no results"; exit 1; }
for log in "$sarif_dir/examples.sarif" "$sarif_dir/warnings.sarif"; do
  report="$("$SARIF_MULTITOOL" validate "$log" 2>&1)" || { echo "$report"; exit 1; }
  if echo "$report" | grep -Eq '(error|warning) SARIF[0-9]+'; then
    echo "$report"
    echo "sarif-multitool: $(basename "$log") has errors or warnings"
    exit 1
  fi
  echo "sarif-multitool: $(basename "$log") valid, no warnings"
done
