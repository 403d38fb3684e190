#!/usr/bin/env bash
# The test command: installs what is missing, then runs every test (Rust unit and
# integration tests, the C tests under valgrind, the header check) against real servers
# that the tests start on loopback and stop themselves. Ends with one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/ensure-venv.sh >/dev/null
export LIBSESSION_REQUIRE_VALGRIND=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test "$@" 2>&1 | tee "$log" || status=$?
# Sum the per-binary "test result:" lines into one closing line.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
