# The VS Code extension (editors/vscode): its npm packages from the committed lock file,
# Chromium for the webview tests and Graphviz for the graph picture. Sourced by scripts/test.
need_apt chromium graphviz fonts-wqy-zenhei
(cd "$ROOT/editors/vscode" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error)
