#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer on the stable toolchain and runs each for a fixed time.
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
# New inputs go to fuzz/work/<target> (not checked in); the seeds are fuzz/corpus/<target>;
# crashes are written to fuzz/artifacts/<target>/. Exits non-zero when a target crashed.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(cookie_jar request_validation response_head exchange state_file sts_header event_stream ws_frames ws_handshake har_replay cache_entry)

# Coverage instrumentation through LLVM's SanitizerCoverage pass: stable rustc flags (no
# -Z option, no nightly). libfuzzer-sys builds libFuzzer itself with the C++ compiler.
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
triple=$(rustc -vV | sed -n "s/^host: //p")
# An explicit --target keeps RUSTFLAGS off build scripts and proc macros.
cargo build --release --bins --target "$triple"

status=0
for target in "${targets[@]}"; do
    mkdir -p "work/$target" "artifacts/$target"
    echo "== $target: ${seconds}s" >&2
    "target/$triple/release/$target" "work/$target" "corpus/$target" \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$target/" -print_final_stats=1 2>&1 | tail -n 25 || status=1
done
exit "$status"
