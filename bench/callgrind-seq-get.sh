#!/usr/bin/env bash
# Client CPU per request, counted in instructions by callgrind (repeatable on a noisy
# machine): N sequential keep-alive GETs through libsession vs raw libcurl reusing one easy
# handle, both on the same bundled libcurl build, against the rig server on loopback.
# Prints instructions per request for each and the ratio. Usage: bench/callgrind-seq-get.sh [N]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-1000}"
cd "$root"
scripts/install-deps.sh
py="$(scripts/ensure-venv.sh | tail -n 1)"
cargo build --release --quiet
rel="$root/target/release"
curl_out="$(dirname "$(find "$rel/build" -path '*curl-sys-*/out/build/libcurl.a' | head -n 1)")/.."
nghttp2="$(find "$rel/build" -path '*libnghttp2-sys-*/libnghttp2.a' | head -n 1)"
tmp="$(mktemp -d)"
ln -sf "$rel/libsession.so" "$rel/libsession.so.0"
version="$(awk -F'"' '/^version/ { print $2; exit }' Cargo.toml)"
gcc -O2 -DLIBSESSION_VERSION="\"$version\"" -o "$tmp/raw" bench/raw_seq_get.c -I"$curl_out/include" "$curl_out/build/libcurl.a" "$nghttp2" -lssl -lcrypto -lz -lpthread
gcc -O2 -o "$tmp/session" bench/session_seq_get.c -Iinclude -L"$rel" -lsession -Wl,-rpath,"$rel"

mkfifo "$tmp/stdin"
"$py" tests/servers/rig_server.py <"$tmp/stdin" >"$tmp/rig.out" &
exec 3>"$tmp/stdin"
trap 'exec 3>&-; wait; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do grep -q '^READY' "$tmp/rig.out" 2>/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$(awk '$1 == "PORT" { print $2; exit }' "$tmp/rig.out")/status/200"

# Instructions for `prog` doing k requests; the difference between 10+n and 10 requests
# removes start-up and tear-down.
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$url" "$2" 2>&1 |
        awk '/Collected/ { print $NF }'
}
per_request() {
    echo $(( ($(count "$1" $((n + 10))) - $(count "$1" 10)) / n ))
}
raw=$(per_request "$tmp/raw")
ses=$(per_request "$tmp/session")
echo "instructions per sequential GET: raw libcurl $raw, libsession $ses, ratio $(awk -v a="$ses" -v b="$raw" 'BEGIN { printf "%.2f", a / b }')"
