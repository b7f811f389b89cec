# csflow graph: every example flow has its picture in docs/pictures (regenerate with
# scripts/draw-examples), and the Mermaid output of every example flow and of the graph
# fixtures parses with the real Mermaid parser (npm mermaid + jsdom, installed once into
# target/ci-npm/mermaid).
scripts/draw-examples --check
mermaid_dir="$ROOT/target/ci-npm/mermaid"
if [ ! -d "$mermaid_dir/node_modules/mermaid" ]; then
  mkdir -p "$mermaid_dir"
  (cd "$mermaid_dir" && npm install --silent --no-audit --no-fund mermaid@11.17.2 jsdom@29.1.1 >/dev/null)
fi
cp scripts/check-mermaid.mjs "$mermaid_dir/check.mjs"
mermaid_out="$(mktemp -d)"
on_exit "rm -rf '$mermaid_out'"
for file in examples/*/*.csflow; do
  for flow in $(sed -n 's/^flow \([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$file"); do
    ./target/debug/csflow graph "$(dirname "$file")" --flow "$flow" --format mermaid -o "$mermaid_out/$flow.mmd"
  done
done
for flow in hotline survey; do
  ./target/debug/csflow graph compiler/tests/fixtures/graph/marked.csflow --flow "$flow" --format mermaid -o "$mermaid_out/fixture_$flow.mmd"
done
(cd "$mermaid_dir" && node check.mjs "$mermaid_out"/*.mmd)
