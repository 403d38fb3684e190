#!/usr/bin/env bash
# The libsession benchmark: libsession against raw libcurl (same bundled libcurl build),
# both driven from C, against a local nginx on loopback, scenarios interleaved.
# Usage: bench/run.sh [REPS]   (see bench/README.md; not a test)
# Environment: BENCH_SCALE=0.1 runs every scenario with a tenth of the requests; BENCH_PIN=0
# leaves client and nginx unpinned (by default each has a core: see bench/setup.sh);
# BENCH_ROWS='u seq' runs only the rows whose name matches that extended regex (and not
# the memory and flat figures after the table).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
reps="${1:-3}"
scale="${BENCH_SCALE:-1}"
cd "$root"

. bench/setup.sh
n() { awk -v n="$1" -v s="$scale" 'BEGIN { v = int(n * s); print (v < 1 ? 1 : v) }'; }

# name | baseline: program mode url n k version cafile | libsession: the same
scenarios=(
  "a seq h1|raw seq $u1/small $(n 20000)|ses seq $u1/small $(n 20000)"
  "b 64 in flight h1|raw par $u1/small $(n 10000) 64 1.1|ses par $u1/small $(n 10000) 64 1.1"
  "c 64 streams h2c|raw par $u2/small $(n 10000) 64 h2c|ses par $u2/small $(n 10000) 64 h2c"
  "d 64MiB in memory|raw big $u1/big 3|ses big $u1/big 3"
  "d 64MiB streamed|raw stream $u1/big 3|ses stream $u1/big 3"
  "e 8 threads, 1 session|raw threads $u1/small $(n 16000) 8|ses threads $u1/small $(n 16000) 8"
  "e' 8 sessions|ses sessions $u1/small $(n 16000) 8|ses threads $u1/small $(n 16000) 8"
  "f seq TLS h1|raw seq $ut/small $(n 5000) 1 1.1 $ca|ses seq $ut/small $(n 5000) 1 1.1 $ca"
  "f 64 streams TLS h2|raw par $ut/small $(n 10000) 64 h2 $ca|ses par $ut/small $(n 10000) 64 h2 $ca"
  # As a user writes it: session_new() defaults (no limits raised, no version set),
  # buffered bodies, batches of 64 read and freed; raw libcurl as in the rows above.
  "u seq defaults|raw seq $u1/small $(n 20000)|ses seq $u1/small $(n 20000) 0 default"
  "u batches of 64|raw par $u1/small $(n 10000) 64 1.1|ses batches $u1/small $(n 10000) 64 default"
  "u batches of 64 h2c|raw par $u2/small $(n 10000) 64 h2c|ses batches $u2/small $(n 10000) 64 h2c"
  # The same batches against raw libcurl in the same shape (each batch of 64 done before the
  # next): what the batch barrier itself costs, apart from libsession.
  "u batches, raw too|raw batches $u1/small $(n 10000) 64 1.1|ses batches $u1/small $(n 10000) 64 default"
  "u batches h2c, raw too|raw batches $u2/small $(n 10000) 64 h2c|ses batches $u2/small $(n 10000) 64 h2c"
  "u 64MiB buffered|raw stream $u1/big 3|ses big $u1/big 3 0 default"
  "u seq TLS defaults|raw seq $ut/small $(n 5000) 1 default $ca|ses seq $ut/small $(n 5000) 1 default $ca"
  "u 64 in flight TLS|raw par $ut/small $(n 10000) 64 default $ca|ses batches $ut/small $(n 10000) 64 default $ca"
  "u 64 TLS, raw too|raw batches $ut/small $(n 10000) 64 default $ca|ses batches $ut/small $(n 10000) 64 default $ca"
  "u 8 threads defaults|raw threads $u1/small $(n 16000) 8|ses threads $u1/small $(n 16000) 8 default"
  # The HTTP cache (docs/cache.md): the baseline is the same libsession request uncached.
  "g cache hit, memory|ses seq $u1/cached $(n 20000)|ses cached $u1/cached $(n 20000)"
  "g cache hit, disk|ses seq $u1/cached $(n 20000)|ses diskcached $u1/cached $(n 20000)"
  "g cache revalidated|ses seq $u1/small $(n 20000)|ses revalidated $u1/small $(n 20000)"
)
if [ -n "${BENCH_ROWS:-}" ]; then
  kept=()
  for row in "${scenarios[@]}"; do [[ "${row%%|*}" =~ $BENCH_ROWS ]] && kept+=("$row"); done
  [ "${#kept[@]}" -gt 0 ] || { echo "no row matches BENCH_ROWS=$BENCH_ROWS" >&2; exit 2; }
  scenarios=("${kept[@]}")
fi
declare -A results
for rep in $(seq "$reps"); do
  for i in "${!scenarios[@]}"; do
    IFS='|' read -r name raw ses <<<"${scenarios[$i]}"
    # alternate which side goes first
    for side in $([ $((rep % 2)) -eq 1 ] && echo "raw ses" || echo "ses raw"); do
      if [ "$side" = raw ]; then args=$raw; else args=$ses; fi
      # shellcheck disable=SC2086
      out="$($pin "$tmp/${args%% *}" ${args#* })" || { echo "$side $args failed" >&2; exit 1; }
      line="$(echo "$out" | awk '/^RESULT/ { $1 = ""; print }')"
      growth="$(echo "$out" | awk '/^STREAM/ { print $NF }')"
      if [ -n "$growth" ]; then results["$i,$side,growth"]+="$growth;"; fi
      results["$i,$side"]+="$line;"
    done
  done
done

# Median over the reps of each figure.
median() { tr ';' '\n' | awk -v f="$1" 'NF { print $f }' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-22s %11s %11s %6s %9s %9s %6s %9s %9s %6s %8s %8s\n' scenario "raw req/s" "lib req/s" ratio \
    "raw MB/s" "lib MB/s" ratio "raw us/rq" "lib us/rq" ratio "raw RSS" "lib RSS"
for i in "${!scenarios[@]}"; do
  IFS='|' read -r name _ _ <<<"${scenarios[$i]}"
  declare -A fig=()
  for side in raw ses; do
    r="${results[$i,$side]}"
    reqs=$(echo "$r" | median 1); secs=$(echo "$r" | median 2); cpu=$(echo "$r" | median 3)
    rss=$(echo "$r" | median 4); bytes=$(echo "$r" | median 5)
    fig[$side]="$(awk -v q="$reqs" -v s="$secs" -v c="$cpu" -v b="$bytes" -v m="$rss" \
        'BEGIN { printf "%.0f %.1f %.2f %.1f", q / s, b / s / 1e6, c / q * 1e6, m / 1024 }')"
  done
  read -r rq1 mb1 cpu1 rss1 <<<"${fig[raw]}"; read -r rq2 mb2 cpu2 rss2 <<<"${fig[ses]}"
  awk -v n="$name" -v a="$rq1" -v b="$rq2" -v c="$mb1" -v d="$mb2" -v e="$cpu1" -v f="$cpu2" -v g="$rss1" -v h="$rss2" \
    'BEGIN { printf "%-22s %11d %11d %6.2f %9.1f %9.1f %6.2f %9.2f %9.2f %6.2f %7.1fM %7.1fM\n", n, a, b, b / a, c, d, (c > 0 ? d / c : 0), e, f, (e > 0 ? f / e : 0), g, h }'
done
for i in "${!scenarios[@]}"; do
  for side in raw ses; do
    g="${results[$i,$side,growth]:-}"
    if [ -n "$g" ]; then
      echo "streaming 64 MiB, peak RSS growth ($side): $(echo "$g" | tr ';' '\n' | sort -n | tail -n 1) KiB (largest of the runs)"
    fi
  done
done
for i in "${!scenarios[@]}"; do
  IFS='|' read -r name _ _ <<<"${scenarios[$i]}"
  if [ "$name" = "u 64MiB buffered" ]; then
    rss=$(echo "${results[$i,ses]}" | median 4)
    awk -v m="$rss" 'BEGIN { printf "peak RSS per buffered MiB (u 64MiB buffered, libsession): %.2f MiB per MiB of body\n", m / 1024 / 64 }'
  fi
done
echo "(row e': the baseline column is libsession with one session per thread, the other one session shared by 8 threads)"
echo "(rows g: the baseline column is libsession with no cache, the other the same GET answered by the cache: a hit, or a 304 revalidation)"
[ -n "${BENCH_ROWS:-}" ] && exit 0 # the figures below are not rows
"$tmp/ses" memory "$u1/small" 1000 32 | sed "s,^MEMORY ,memory (HTTP/1.1): ,"
"$tmp/ses" memory "$ut/small" 1000 32 1.1 "$ca" | sed "s,^MEMORY ,memory (TLS): ,"
"$tmp/ses" flat "$u1/small" "$(n 100000)" | sed 's/^/flat: /'
