#!/usr/bin/env bash
# Imports one maildir with mailsift, `mu index` and `notmuch new`, back to
# back, and prints wall-clock seconds for each and the ratios.
# Usage: benches/compare_maildir.sh MAILDIR   (make one with:
#   cargo run --release --example gen_corpus -- /tmp/md 10000 maildir)
set -euo pipefail
md=$(realpath "$1")
bin=${MAILSIFT:-target/release/mailsift}
[ -x "$bin" ] || cargo build --release
if ! command -v mu >/dev/null || ! command -v notmuch >/dev/null; then
  apt-get install -y -qq maildir-utils notmuch >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work" "$md/.notmuch"' EXIT
n=$(find "$md" -type f | wc -l)
find "$md" -type f -exec cat {} + >/dev/null   # warm the page cache for all three
secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
t_ms=$(secs "$bin" import "$work/case" "$md" -q)
mkdir -p "$work/mu"
t_mu=$(secs sh -c "mu init --muhome='$work/mu' --maildir='$md' && mu index --muhome='$work/mu'")
cat > "$work/nm.conf" <<EOC
[database]
path=$md
[new]
tags=inbox;
EOC
t_nm=$(secs env NOTMUCH_CONFIG="$work/nm.conf" notmuch new)
printf 'messages %s\nmailsift %.2f s\nmu index %.2f s (%.1fx)\nnotmuch new %.2f s (%.1fx)\n' \
  "$n" "$t_ms" "$t_mu" "$(echo "$t_mu / $t_ms" | bc -l)" "$t_nm" "$(echo "$t_nm / $t_ms" | bc -l)"
