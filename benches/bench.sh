#!/usr/bin/env bash
# The benchmark, reproducibly: builds the release binary, installs mu and
# notmuch (Debian packages) for the comparison, and prints the table.
# Usage: benches/bench.sh [--messages 60000] [--seed 1] [--dir /tmp/mailsift-bench] [--rounds 20] [--no-compare] [--only people]
#        benches/bench.sh --messages 1000000 --profile enron   (scale mode: every size run
#        in --dir so far side by side; 1M messages need ~17.6 GB for the corpus + the case)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v mu >/dev/null || ! command -v notmuch >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq maildir-utils notmuch >/dev/null || true; fi
fi
cargo build --release --bins --examples --quiet
exec target/release/examples/bench "$@"
