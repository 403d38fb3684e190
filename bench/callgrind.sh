#!/usr/bin/env bash
# Client CPU per request, counted in instructions by callgrind (repeatable on a noisy
# machine): libsession against raw libcurl on the same bundled libcurl build, with the same
# drivers and nginx as bench/run.sh. Prints instructions per request for each and the ratio.
# Usage: bench/callgrind.sh seq [N]     N sequential keep-alive GETs (row a)
#        bench/callgrind.sh batch [N]   N GETs, 64 in flight over HTTP/1.1 (row b)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-seq}"
n="${2:-1000}"
case "$mode" in seq | batch) ;; *) echo "usage: $0 seq|batch [N]" >&2; exit 2 ;; esac
cd "$root"
command -v valgrind >/dev/null || scripts/install-deps.sh
. bench/setup.sh

# Instructions for a driver doing k requests. Sequential: the difference between 10+n and
# 10 requests removes start-up and tear-down. Batch: between 2n and n (both fill the window).
count() {
    local args=(seq "$u1/small" "$2")
    [ "$mode" = batch ] && args=(par "$u1/small" "$2" 64 1.1)
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "${args[@]}" 2>&1 |
        awk '/Collected/ { gsub(",", "", $NF); print $NF }'
}
per_request() {
    local base=10
    [ "$mode" = batch ] && base=$n
    echo $(( ($(count "$1" $((base + n))) - $(count "$1" "$base")) / n ))
}
raw=$(per_request "$tmp/raw")
ses=$(per_request "$tmp/ses")
label="sequential GET"
[ "$mode" = batch ] && label="GET in a batch of 64 in flight"
echo "instructions per $label: raw libcurl $raw, libsession $ses, ratio $(awk -v a="$ses" -v b="$raw" 'BEGIN { printf "%.2f", a / b }')"
