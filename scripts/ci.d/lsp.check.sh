# End-to-end: the real `csflow lsp` binary over stdio, driven by two real LSP clients.
cargo build -q -p csflow --locked
export CSFLOW_BIN="$ROOT/target/debug/csflow"

# 1. pytest-lsp: a full editing session, and a clean shutdown/exit. Exit status 5 means
#    pytest collected no tests: that is a failure here, never a silent pass.
set +e
"$LSP_VENV/bin/python" -m pytest -q -c lsp/tests/e2e/pytest.ini lsp/tests/e2e
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "lsp e2e: pytest collected no tests" >&2
  exit 1
elif [ "$status" -ne 0 ]; then
  echo "lsp e2e: pytest-lsp session failed (status $status)" >&2
  exit "$status"
fi

# 2. Neovim headless attaches to a file with errors and prints what the server published.
nvim_dir="$(mktemp -d)"
on_exit rm -rf "$nvim_dir"
cp lsp/tests/fixtures/broken/*.csflow "$nvim_dir/"
nvim_out="$(timeout 60 nvim --headless --clean -u lsp/tests/e2e/nvim_client.lua "$nvim_dir/hotline.csflow")"
echo "$nvim_out"
for expected in "18:9 unknown-state unknown state \`byebye\`" "12:11 syntax-error" "8:8 missing-terminator"; do
  if ! grep -qF "$expected" <<<"$nvim_out"; then
    echo "lsp e2e: Neovim did not receive: $expected" >&2
    exit 1
  fi
done
echo "lsp e2e: pytest-lsp and Neovim sessions passed"
