#!/usr/bin/env bash
# The test command: installs what is missing, then runs every test (Rust unit and
# integration tests, the C tests under valgrind, the header check) against real servers
# that the tests start on loopback and stop themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/ensure-venv.sh >/dev/null
export LIBSESSION_REQUIRE_VALGRIND=1
cargo test "$@"
