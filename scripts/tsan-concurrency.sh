#!/usr/bin/env bash
# Runs tests/concurrency.rs (16 threads x LIBSESSION_STRESS_N requests on one session,
# batches, futures, session_free with requests in flight) under ThreadSanitizer: Rust
# nightly with -Zsanitizer=thread and -Zbuild-std (so std's locks are instrumented), and the
# bundled libcurl compiled with -fsanitize=thread. Fails on any ThreadSanitizer report; no
# suppressions. The fork test is skipped (ThreadSanitizer can't start threads in a child of a
# multi-threaded process). Needs the nightly toolchain with rust-src (rustup component add rust-src
# --toolchain nightly). Takes about 6 minutes to build on 2 cores.
# Usage: scripts/tsan-concurrency.sh [REQUESTS_PER_THREAD]   (default 50)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}/tsan"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export RUSTFLAGS="-Zsanitizer=thread" CFLAGS="-fsanitize=thread" CARGO_TARGET_DIR="$target"
cargo +nightly test -Zbuild-std --target x86_64-unknown-linux-gnu --test concurrency --no-run
LIBSESSION_STRESS_N="${1:-50}" TSAN_OPTIONS="halt_on_error=0" \
    cargo +nightly test -Zbuild-std --target x86_64-unknown-linux-gnu --test concurrency \
    -- --test-threads=1 --skip async_after_fork 2>&1 | tee "$log"
reports=$(grep -c "WARNING: ThreadSanitizer" "$log" || true)
echo "ThreadSanitizer reports: $reports"
[ "$reports" -eq 0 ]
