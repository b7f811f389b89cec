# The VS Code extension (editors/vscode): strict TypeScript, eslint, the grammar tests, and
# the node tests (client start-up with a fake vscode, the graph and chat pages in headless
# Chromium, vsce package). Runs after cargo test, which built target/debug/csflow.
(
  cd "$ROOT/editors/vscode"
  npx tsc -p . && npx tsc -p src/webview
  npx eslint --max-warnings 0 .
  npx vscode-tmgrammar-test -c -g syntaxes/csflow.tmLanguage.json "test/grammar/*.csflow"
  CSFLOW_BIN="$ROOT/target/debug/csflow" node --test --test-reporter=spec out/test/
)
