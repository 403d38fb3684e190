#!/usr/bin/env bash
# Ensure <repo>/.venv exists with tests/requirements.txt installed; print the venv's
# python path as the last line of stdout. Idempotent and safe to run concurrently
# (serialised with flock); reinstalls only when requirements.txt or python3 change.
# pip/venv output goes to .venv/install.log, shown on stderr only on failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
req="$root/tests/requirements.txt"
py="$venv/bin/python"
log="$venv/install.log"
stamp="$venv/.requirements.stamp"

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    echo "ensure-venv: python3's venv module (with ensurepip) is missing;" \
         "on Debian/Ubuntu run: apt-get install python3-venv" >&2
    exit 1
fi

# The lock lives inside .venv so that only .venv needs ignoring; `python3 -m venv`
# accepts the existing directory.
mkdir -p "$venv"
exec 9>"$venv/.lock"
flock 9

want="$( { cat "$req"; python3 -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"

fail() {
    echo "ensure-venv: $1 failed; last lines of $log:" >&2
    tail -n 40 "$log" >&2
    exit 1
}

if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]] || ! "$py" -c '' 2>/dev/null; then
    rm -f "$stamp"
    : >"$log"
    # (Re)create when missing or broken (e.g. python3 upgraded under it).
    if ! "$py" -m pip --version >/dev/null 2>&1; then
        python3 -m venv "$venv" >>"$log" 2>&1 || fail "python3 -m venv $venv"
    fi
    "$py" -m pip install --disable-pip-version-check -r "$req" >>"$log" 2>&1 \
        || fail "pip install -r $req"
    echo "$want" >"$stamp"
fi

# requests' own test suite (tests/ of the sdist of the requests pinned in requirements.txt),
# run against the Python binding by bindings/python/tests/requests_suite; never committed.
rq_version="$(sed -n 's/^requests==\([^ ;#]*\).*/\1/p' "$req")"
suite="$venv/requests-suite/requests-$rq_version"
if [[ -n "$rq_version" && ! -f "$suite/tests/test_requests.py" ]]; then
    dl="$venv/requests-suite/download"
    rm -rf "$dl" "$suite"
    mkdir -p "$dl"
    "$py" -m pip download --disable-pip-version-check --no-deps --no-binary :all: \
        -d "$dl" "requests==$rq_version" >>"$log" 2>&1 || fail "pip download requests==$rq_version (sdist)"
    tar -xzf "$dl/requests-$rq_version.tar.gz" -C "$venv/requests-suite" >>"$log" 2>&1 \
        || fail "unpacking the requests $rq_version sdist"
    rm -rf "$dl"
fi

echo "$py"
