# The language server's real clients for its end-to-end tests (lsp.check.sh runs them):
# pytest-lsp in a virtualenv, and Neovim (apt) headless.
need_apt neovim python3-venv
LSP_VENV="${LSP_VENV:-$ROOT/target/lsp-venv}"
if [ ! -x "$LSP_VENV/bin/pytest" ] || ! "$LSP_VENV/bin/python" -c 'import pytest_lsp' 2>/dev/null; then
  python3 -m venv "$LSP_VENV"
  "$LSP_VENV/bin/pip" install -q --disable-pip-version-check pytest-lsp pytest
fi
export LSP_VENV
