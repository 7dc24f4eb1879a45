#!/usr/bin/env bash
# Runs the fuzz targets one after the other, one job each, at the lowest
# CPU priority, with the limits used for the results in SECURITY.md.
# Logs go to fuzz/logs/<target>.log (libFuzzer's final stats at the end);
# crashes, timeouts and OOMs to fuzz/artifacts/<target>/.
#
# Usage: fuzz/run.sh [TARGET...]     MINUTES=15, NICE=19 by default
# (NICE=0 when other work on the machine runs at lower priority: a fuzzer
# starved of CPU reports inputs as timeouts that run in milliseconds).
# Needs: cargo install cargo-fuzz; a nightly toolchain; fuzz/seed.sh first.
set -uo pipefail
cd "$(dirname "$0")"
MINUTES=${MINUTES:-15}
NICE=${NICE:-19}
TARGETS=("$@")
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=(mbox_splitter message smime safe_name query html export extract gzip dkim_signature archive emlx patterns pst msg)
mkdir -p logs
for t in "${TARGETS[@]}"; do
    mkdir -p "corpus/$t"
    echo "== $t: $MINUTES minutes"
    nice -n "$NICE" cargo +nightly fuzz run "$t" -- \
        -max_total_time=$((MINUTES * 60)) -timeout=1 -rss_limit_mb=1024 \
        -print_final_stats=1 >"logs/$t.log" 2>&1
    echo "   exit $?; $(grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "logs/$t.log" | tr '\n' ' ')"
    grep -E '^#[0-9]+.*(DONE|cov:)' "logs/$t.log" | tail -n 1
done
