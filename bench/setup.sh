# Sourced by bench/run.sh and bench/callgrind.sh, from the project root: builds libsession
# (release) and the two C drivers ($tmp/raw: raw libcurl linked statically against the very
# libcurl.a curl-sys built for libsession; $tmp/ses: the same scenarios through libsession),
# and starts nginx on three loopback ports with a 64-byte and a 64 MiB file:
# $u1 HTTP/1.1, $u2 h2c, $ut TLS with HTTP/2 (certificate $ca). An EXIT trap stops nginx.
# nginx is pinned to the last core; $pin pins a driver to core 0.

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
cp "$tmp/www/small" "$tmp/www/cached" # served with Cache-Control: max-age=3600 (the cache rows)
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
    server { listen 127.0.0.1:$h1; root $tmp/www; location = /cached { expires 1h; } }
    # No sendfile over h2c: nginx's HTTP/2 sendfile path turns TCP_NODELAY off and corks around
    # each body, so when a client stops sending (the end of a batch) the last responses wait
    # on its delayed ACK, 40 ms at a time, for raw libcurl and libsession alike
    # (docs/performance.md, "fifth stop"). TLS cannot use sendfile; HTTP/1.1 does not cork.
    server { listen 127.0.0.1:$h2c http2; root $tmp/www; sendfile off; }
    server { listen 127.0.0.1:$tls ssl http2; root $tmp/www;
             ssl_certificate $tmp/cert.pem; ssl_certificate_key $tmp/key.pem; }
}
CONF
"$nginx_bin" -p "$tmp" -c "$tmp/nginx.conf"
for _ in $(seq 50); do [ -s "$tmp/nginx.pid" ] && break; sleep 0.1; done
ca="$tmp/cert.pem"
# Client and server on a core each, as the issue-19 harness measured (less variance from the
# scheduler moving them): nginx on the last core, the drivers (prefixed with $pin) on core 0.
# BENCH_PIN=0, a single core or no taskset: no pinning.
pin=""
cores="$(nproc 2>/dev/null || echo 1)"
if [ "${BENCH_PIN:-1}" != 0 ] && [ "$cores" -ge 2 ] && command -v taskset >/dev/null; then
    for p in $(cat "$tmp/nginx.pid") $(pgrep -P "$(cat "$tmp/nginx.pid")"); do
        taskset -a -p -c "$((cores - 1))" "$p" >/dev/null
    done
    pin="taskset -c 0"
fi
u1="http://127.0.0.1:$h1"; u2="http://127.0.0.1:$h2c"; ut="https://127.0.0.1:$tls"
