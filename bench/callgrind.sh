#!/usr/bin/env bash
# Client CPU per request, counted in instructions by callgrind (repeatable on a noisy
# machine): libsession against raw libcurl on the same bundled libcurl build, with the same
# drivers and nginx as bench/run.sh. Prints instructions per request for each and the ratio.
# Usage: bench/callgrind.sh seq [N]     N sequential keep-alive GETs (row a)
#        bench/callgrind.sh batch [N]   N GETs, 64 in flight over HTTP/1.1 (row b)
#        bench/callgrind.sh tls [N]     N sequential GETs over https, a reused TLS connection
#        bench/callgrind.sh big [N]     N buffered GETs of the 64 MiB file (per request)
#        bench/callgrind.sh ubatch [N]  N GETs as batches of 64 with session_new() defaults
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-seq}"
n="${2:-1000}"
case "$mode" in seq | batch | tls | big | ubatch) ;; *) echo "usage: $0 seq|batch|tls|big|ubatch [N]" >&2; exit 2 ;; esac
[ "$mode" = big ] && [ "$n" = 1000 ] && n=2
cd "$root"
command -v valgrind >/dev/null || scripts/install-deps.sh
. bench/setup.sh

# Instructions for a driver doing k requests. Sequential: the difference between 10+n and
# 10 requests removes start-up and tear-down. Batch: between 2n and n (both fill the window).
count() {
    local args=(seq "$u1/small" "$2")
    [ "$mode" = batch ] && args=(par "$u1/small" "$2" 64 1.1)
    [ "$mode" = tls ] && args=(seq "$ut/small" "$2" 0 1.1 "$ca")
    [ "$mode" = big ] && args=(big "$u1/big" "$2")
    [ "$mode" = ubatch ] && args=(batches "$u1/small" "$2" 64 default)
    [ "$mode" = ubatch ] && [ "$1" = "$tmp/raw" ] && args=(par "$u1/small" "$2" 64 1.1)
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "${args[@]}" 2>&1 |
        awk '/Collected/ { gsub(",", "", $NF); print $NF }'
}
per_request() {
    local base=10
    [ "$mode" = batch ] && base=$n
    [ "$mode" = big ] && base=1
    [ "$mode" = ubatch ] && base=$n
    echo $(( ($(count "$1" $((base + n))) - $(count "$1" "$base")) / n ))
}
raw=$(per_request "$tmp/raw")
ses=$(per_request "$tmp/ses")
label="sequential GET"
[ "$mode" = batch ] && label="GET in a batch of 64 in flight"
[ "$mode" = tls ] && label="sequential GET over https (reused TLS connection)"
[ "$mode" = big ] && label="buffered GET of 64 MiB"
[ "$mode" = ubatch ] && label="GET in batches of 64 with defaults"
echo "instructions per $label: raw libcurl $raw, libsession $ses, ratio $(awk -v a="$ses" -v b="$raw" 'BEGIN { printf "%.2f", a / b }')"
