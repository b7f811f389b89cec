# SARIF as code-scanning services read it: Microsoft's validator, @microsoft/sarif-multitool
# from npm (a self-contained Linux binary), installed once into target/ (not the repository).
command -v npm >/dev/null 2>&1 || need_apt nodejs npm   # the machine's Node.js ships npm; Debian's npm conflicts with it
SARIF_TOOLS="$ROOT/target/sarif-multitool"
if [ ! -x "$SARIF_TOOLS/node_modules/.bin/sarif-multitool" ]; then
  mkdir -p "$SARIF_TOOLS"
  (cd "$SARIF_TOOLS" && npm install --no-audit --no-fund --silent @microsoft/sarif-multitool@5.7.0 >/dev/null)
fi
# npm leaves the binary's execute bit to a postinstall script it may not run.
find "$SARIF_TOOLS/node_modules/@microsoft" -name Sarif.Multitool -type f -exec chmod u+x {} +
export SARIF_MULTITOOL="$SARIF_TOOLS/node_modules/.bin/sarif-multitool"
