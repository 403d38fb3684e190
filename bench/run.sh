#!/usr/bin/env bash
# The libsession benchmark: libsession against raw libcurl (same bundled libcurl build),
# both driven from C, against a local nginx on loopback, scenarios interleaved.
# Usage: bench/run.sh [REPS]   (see bench/README.md; not a test)
# Environment: BENCH_SCALE=0.1 runs every scenario with a tenth of the requests.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
reps="${1:-3}"
scale="${BENCH_SCALE:-1}"
cd "$root"

# nginx from the distribution's packages, when missing.
nginx_bin="$(command -v nginx || true)"
[ -z "$nginx_bin" ] && [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx
if [ -z "$nginx_bin" ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
    nginx_bin=/usr/sbin/nginx
fi

cargo build --release --quiet
rel="$root/target/release"
curl_out="$(dirname "$(find "$rel/build" -path '*curl-sys-*/out/build/libcurl.a' | head -n 1)")/.."
nghttp2="$(find "$rel/build" -path '*libnghttp2-sys-*/libnghttp2.a' | head -n 1)"
ln -sf "$rel/libsession.so" "$rel/libsession.so.0"
tmp="$(mktemp -d)"
trap '[ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null; rm -rf "$tmp"' EXIT
version="$(awk -F'"' '/^version/ { print $2; exit }' Cargo.toml)"
gcc -O2 -DLIBSESSION_VERSION="\"$version\"" -o "$tmp/raw" bench/raw_bench.c -Ibench -I"$curl_out/include" "$curl_out/build/libcurl.a" "$nghttp2" -lssl -lcrypto -lz -lpthread
gcc -O2 -o "$tmp/ses" bench/session_bench.c -Ibench -Iinclude -L"$rel" -lsession -lpthread -Wl,-rpath,"$rel"

# Content, a certificate for 127.0.0.1, nginx on three ports.
mkdir -p "$tmp/www" "$tmp/logs"
chmod 755 "$tmp" "$tmp/www" # nginx workers run as an unprivileged user
printf 'hello from nginx, a small body of about sixty-four bytes......\n' >"$tmp/www/small"
head -c $((64 * 1024 * 1024)) /dev/zero >"$tmp/www/big"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
base=$((20000 + RANDOM % 20000))
h1=$base; h2c=$((base + 1)); tls=$((base + 2))
cat >"$tmp/nginx.conf" <<CONF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log crit;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    http2_max_concurrent_streams 128;
    client_body_temp_path $tmp/logs; proxy_temp_path $tmp/logs; fastcgi_temp_path $tmp/logs;
    uwsgi_temp_path $tmp/logs; scgi_temp_path $tmp/logs;
    sendfile on;
    default_type application/octet-stream;
    server { listen 127.0.0.1:$h1; root $tmp/www; }
    server { listen 127.0.0.1:$h2c http2; root $tmp/www; }
    server { listen 127.0.0.1:$tls ssl http2; root $tmp/www;
             ssl_certificate $tmp/cert.pem; ssl_certificate_key $tmp/key.pem; }
}
CONF
"$nginx_bin" -p "$tmp" -c "$tmp/nginx.conf"
for _ in $(seq 50); do [ -s "$tmp/nginx.pid" ] && break; sleep 0.1; done
ca="$tmp/cert.pem"
u1="http://127.0.0.1:$h1"; u2="http://127.0.0.1:$h2c"; ut="https://127.0.0.1:$tls"
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
)
declare -A results
for rep in $(seq "$reps"); do
  for i in "${!scenarios[@]}"; do
    IFS='|' read -r name raw ses <<<"${scenarios[$i]}"
    # alternate which side goes first
    for side in $([ $((rep % 2)) -eq 1 ] && echo "raw ses" || echo "ses raw"); do
      if [ "$side" = raw ]; then args=$raw; else args=$ses; fi
      # shellcheck disable=SC2086
      out="$("$tmp/${args%% *}" ${args#* })" || { echo "$side $args failed" >&2; exit 1; }
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
echo "(row e': the baseline column is libsession with one session per thread, the other one session shared by 8 threads)"
"$tmp/ses" memory "$u1/small" 1000 32 | sed "s,^MEMORY ,memory (HTTP/1.1): ,"
"$tmp/ses" memory "$ut/small" 1000 32 1.1 "$ca" | sed "s,^MEMORY ,memory (TLS): ,"
"$tmp/ses" flat "$u1/small" "$(n 100000)" | sed 's/^/flat: /'
