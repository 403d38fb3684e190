#!/usr/bin/env bash
# Installs what building and testing libsession needs beyond the Rust toolchain, gcc and
# python3, on Debian/Ubuntu: OpenSSL and zlib headers (libcurl is bundled and built statically, its
# TLS backend is the system OpenSSL), pkg-config, g++ (header check as C++17), make, cmake
# (find_package test of the installed library),
# valgrind, python3-venv, the curl tool (cookie-jar interop tests) and nginx-light (a batch
# test mixing HTTP/1.1 and multiplexed HTTP/2; bench/run.sh). Installs nothing when
# everything is present.
set -euo pipefail

missing=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
for pkg in libssl-dev openssl zlib1g-dev pkg-config g++ make cmake valgrind curl nginx-light; do
    have_pkg "$pkg" || missing+=("$pkg")
done
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)

if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}" >&2
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
