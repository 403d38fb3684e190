#!/usr/bin/env bash
# Build libsession and the C examples, then run them against httpbin.
# Usage: examples-c/run.sh [BASE_URL]
# Without BASE_URL a local httpbin is started (in .venv, via scripts/ensure-venv.sh) and
# stopped again at the end.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

"$root/scripts/install-deps.sh"
(cd "$root" && cargo build)
make -C "$here"

base="${1:-}"
if [[ -z "$base" ]]; then
    py="$(bash "$root/scripts/ensure-venv.sh" | tail -n 1)"
    tmp="$(mktemp -d)"
    mkfifo "$tmp/stdin"
    # The server exits when its stdin reaches EOF: fd 3 holds the fifo open until we exit.
    "$py" "$root/tests/servers/httpbin_server.py" <"$tmp/stdin" >"$tmp/out" 2>"$tmp/err" &
    server=$!
    exec 3>"$tmp/stdin"
    trap 'exec 3>&-; wait "$server" 2>/dev/null || true; rm -rf "$tmp"' EXIT
    port=""
    for _ in $(seq 300); do
        port="$(awk '$1 == "PORT" { print $2; exit }' "$tmp/out")"
        [[ -n "$port" ]] && break
        kill -0 "$server" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$port" ]]; then
        echo "run.sh: httpbin did not start:" >&2
        cat "$tmp/err" >&2
        exit 1
    fi
    base="http://127.0.0.1:$port"
fi

for prog in get_status login_session cookie_pitfall download_progress multipart_upload parallel_batch cpp_example; do
    echo "### $prog $base"
    "$here/$prog" "$base"
    echo
done

# cookie_jar twice: the second run restores the jar the first one saved.
jar_dir="$(mktemp -d)"
for run in 1 2; do
    echo "### cookie_jar $base (run $run)"
    "$here/cookie_jar" "$base" "$jar_dir/cookies.txt"
    echo
done
rm -rf "$jar_dir"

# The long-lived streams need the stream server (WebSocket and Server-Sent Events).
py="$(bash "$root/scripts/ensure-venv.sh" | tail -n 1)"
stmp="$(mktemp -d)"
mkfifo "$stmp/stdin"
"$py" "$root/tests/servers/stream_server.py" <"$stmp/stdin" >"$stmp/out" 2>"$stmp/err" &
streams=$!
exec 4>"$stmp/stdin"
sport=""
for _ in $(seq 300); do
    sport="$(awk '$1 == "PORT" { print $2; exit }' "$stmp/out")"
    [[ -n "$sport" ]] && break
    sleep 0.1
done
echo "### ws_chat ws://127.0.0.1:$sport/echo"
printf 'hello\nhow are you?\n' | "$here/ws_chat" "ws://127.0.0.1:$sport/echo"
echo
echo "### sse_feed http://127.0.0.1:$sport/events?n=5000"
"$here/sse_feed" "http://127.0.0.1:$sport/events?n=5000"
exec 4>&-
wait "$streams" 2>/dev/null || true
rm -rf "$stmp"
# offline_test needs no server: it answers from a checked-in cassette.
echo "### offline_test"
"$here/offline_test" "$here/cassettes/user_api.har"
