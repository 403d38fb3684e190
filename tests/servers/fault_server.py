#!/usr/bin/env python3
"""libsession's fault-injecting test server (stdlib only, raw sockets, one thread per connection).

Listens on 127.0.0.1:<ephemeral>, prints `PORT <n>` then `READY`, exits on stdin EOF.
Requests are HTTP/1.1 (GET/HEAD/POST with Content-Length); connections are kept alive
unless a route closes or resets them. Every connection gets a serial number (1, 2, ...).

A route that misbehaves marks its connection *tainted* and, unless it closes or resets it,
keeps reading from it: a request arriving on a tainted connection counts as a *reuse* (a
client must never send another request on a connection that misbehaved).

Routes (path only; query ignored unless said):
  /ok                 200, body "conn <serial>"
  /reason?text=T      200 with the reason phrase T (URL-decoded), body "ok"
  /stats              {"accepted": N, "tainted_reuse": M, "posts": P}; a connection whose
                      first request is /stats (a probe) is not counted in N; P counts POSTs
  /reset-before       reads the request, then resets (RST) without answering
  /reset-headers      sends half the header block, then resets
  /reset-body         sends the headers (Content-Length 1000) and 10 body bytes, then resets
  /truncated          Content-Length 1000, 100 bytes, then a clean close (FIN)
  /truncated-open     Content-Length 1000, 100 bytes, then stays open (stalls)
  /conflicting-length two different Content-Length headers (5 and 10), 10 bytes
  /length-and-chunked Content-Length 5 and Transfer-Encoding: chunked
  /bad-chunk          Transfer-Encoding: chunked with a chunk size "zz"
  /huge-chunk         a chunk size of 2^68 (hex overflow)
  /short-chunk        chunk size 100 but 10 bytes, then a new chunk line
  /slow-headers       one header byte every 200 ms (up to 60 s)
  /slow-body          Content-Length 1000, one body byte every 200 ms
  /big-headers?kib=N  N (default 300) KiB of headers in 1 KiB lines, then a small body
  /many-headers?n=N   N (default 10000) short header lines, then a small body
  /gzip-bomb          gzip body of 64 MiB of zeros (about 64 KiB on the wire)
  /stacked-encodings  Content-Encoding: gzip applied 6 times
  /keepalive-close    200 (Content-Length, no Connection: close), then closes the socket
  /stale-next         200 normally; the next request on the same connection is read and the
                      connection closed without an answer (a stale keep-alive connection)
  /endless-body       chunked body that never ends (60 s at most, until the client leaves)
  /endless-headers    header lines that never end (60 s at most)
  /redirect-loop      302 to itself
  /garbage            bytes that are not HTTP, then close
  /garbage-open       bytes that are not HTTP, connection kept open
  /http09             a reply with no status line at all (as HTTP/0.9 answers), then close
  /two-locations      302 with two different Location headers
  /no-colon           a header line without a colon
  /nul-in-header      a NUL byte in a header name
  /bad-trailer?n=N    a chunked body whose trailer is malformed (N: 0 no colon, 1 a first line that is a continuation)
  /fuzzed-trailer     the minimized fuzz input that libcurl reported as a bad function
                      argument (was SESSION_E_INTERNAL), then close
"""
import gzip
import json
import socket
import struct
import threading
import time
import urllib.parse
import zlib

from lifetime import exit_when_stdin_closes

lock = threading.Lock()
stats = {"accepted": 0, "tainted_reuse": 0, "posts": 0}
BOMB = None  # built on first use


def bomb():
    global BOMB
    with lock:
        if BOMB is None:
            c = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip wrapper
            block = bytes(1 << 20)
            BOMB = b"".join([c.compress(block) for _ in range(64)] + [c.flush()])
        return BOMB


def stacked(n):
    data = b"six layers of gzip\n"
    for _ in range(n):
        data = gzip.compress(data)
    return data


class Closed(Exception):
    pass


class Conn:
    def __init__(self, sock, serial):
        self.sock = sock
        self.serial = serial
        self.buf = b""
        self.tainted = False
        self.first = True

    def read_request(self):
        while b"\r\n\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise Closed
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target = lines[0].split(" ")[:2]
        length = 0
        self.close_after = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            if name.strip().lower() == "connection" and value.strip().lower() == "close":
                self.close_after = True
        while len(self.buf) < length:
            data = self.sock.recv(65536)
            if not data:
                raise Closed
            self.buf += data
        self.buf = self.buf[length:]
        path, _, query = target.partition("?")
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        return method, path, params

    def send(self, data):
        self.sock.sendall(data)

    def reset(self):
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()
        raise Closed

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        raise Closed


def head(status, headers, reason=None):
    reasons = {200: "OK", 302: "Found", 404: "Not Found"}
    lines = [f"HTTP/1.1 {status} {reason or reasons.get(status, 'X')}"]
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def full(status, body, headers=()):
    return head(status, list(headers) + [("Content-Length", len(body))]) + body


def serve(conn):
    while True:
        method, path, q = conn.read_request()
        first, conn.first = conn.first, False
        if method == "POST":
            with lock:
                stats["posts"] += 1
        if conn.tainted:
            with lock:
                stats["tainted_reuse"] += 1
        if path == "/stats":
            with lock:
                if first:
                    stats["accepted"] -= 1  # the probe's own connection
                body = json.dumps(stats).encode()
            conn.send(full(200, body, [("Content-Type", "application/json")]))
            if conn.close_after:
                conn.close()
            continue
        if path == "/ok":
            conn.send(full(200, f"conn {conn.serial}".encode()))
            continue
        if path == "/reason":
            text = urllib.parse.unquote(q.get("text", ""))
            conn.send(head(200, [("Content-Length", 2)], reason=text or " ") + b"ok")
            continue
        if path == "/stale-next":
            conn.send(full(200, b"fresh"))
            conn.read_request()  # the next request on this connection: no answer
            conn.close()
        conn.tainted = path not in ("/redirect-loop",)
        fault(conn, method, path, q)


def fault(conn, method, path, q):
    if path == "/reset-before":
        conn.reset()
    elif path == "/reset-headers":
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/pl")
        time.sleep(0.05)
        conn.reset()
    elif path == "/reset-body":
        conn.send(head(200, [("Content-Length", 1000)]) + b"x" * 10)
        time.sleep(0.05)
        conn.reset()
    elif path in ("/truncated", "/truncated-open"):
        conn.send(head(200, [("Content-Length", 1000)]) + b"x" * 100)
        if path == "/truncated":
            conn.close()
    elif path == "/conflicting-length":
        conn.send(head(200, [("Content-Length", 5), ("Content-Length", 10)]) + b"x" * 10)
    elif path == "/length-and-chunked":
        hdrs = [("Content-Length", 5), ("Transfer-Encoding", "chunked")]
        conn.send(head(200, hdrs) + b"5\r\nhello\r\n0\r\n\r\n")
    elif path == "/bad-chunk":
        conn.send(head(200, [("Transfer-Encoding", "chunked")]) + b"zz\r\nhello\r\n0\r\n\r\n")
    elif path == "/huge-chunk":
        conn.send(head(200, [("Transfer-Encoding", "chunked")]) + b"100000000000000000\r\nhello\r\n")
    elif path == "/short-chunk":
        conn.send(head(200, [("Transfer-Encoding", "chunked")]) + b"64\r\n0123456789\r\n5\r\nhello\r\n0\r\n\r\n")
    elif path == "/slow-headers":
        data = head(200, [("X-Slow", "a" * 400), ("Content-Length", 0)])
        drip(conn, data)
    elif path == "/slow-body":
        conn.send(head(200, [("Content-Length", 1000)]))
        drip(conn, b"x" * 1000)
    elif path == "/big-headers":
        kib = int(q.get("kib", "300"))
        hdrs = [(f"X-Big-{i:04d}", "b" * (1024 - 15)) for i in range(kib)]
        conn.send(full(200, b"big", hdrs))
    elif path == "/many-headers":
        n = int(q.get("n", "10000"))
        conn.send(full(200, b"many", [(f"X-{i}", "v") for i in range(n)]))
    elif path == "/gzip-bomb":
        conn.send(full(200, bomb(), [("Content-Encoding", "gzip")]))
    elif path == "/stacked-encodings":
        enc = ", ".join(["gzip"] * 6)
        conn.send(full(200, stacked(6), [("Content-Encoding", enc)]))
    elif path == "/keepalive-close":
        conn.send(full(200, b"bye"))
        conn.close()
    elif path == "/endless-body":
        conn.send(head(200, [("Transfer-Encoding", "chunked")]))
        endless(conn, b"4000\r\n" + b"e" * 0x4000 + b"\r\n")
    elif path == "/endless-headers":
        conn.send(b"HTTP/1.1 200 OK\r\n")
        endless(conn, b"X-Endless: " + b"h" * 1000 + b"\r\n")
    elif path == "/redirect-loop":
        conn.send(full(302, b"", [("Location", "/redirect-loop")]))
    elif path in ("/garbage", "/garbage-open"):
        conn.send(b"\x00\x01SSH-2.0-not-http \xff\xfe garbage\r\n\r\n")
        if path == "/garbage":
            conn.close()
    elif path == "/http09":
        conn.send(b"<html>hello from an HTTP/0.9 server, no status line here</html>\r\n")
        conn.close()
    elif path == "/no-colon":
        conn.send(b"HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 2\r\n\r\nok")
    elif path == "/nul-in-header":
        conn.send(b"HTTP/1.1 200 OK\r\nX-A\x00b: 1\r\nContent-Length: 2\r\n\r\nok")
    elif path == "/bad-trailer":
        trailer = [b"no colon\r\n", b" folded\r\n"][int(q.get("n", "0"))]
        conn.send(head(200, [("Transfer-Encoding", "chunked")]) + b"2\r\nok\r\n0\r\n" + trailer + b"\r\n")
    elif path == "/fuzzed-trailer":
        conn.send(b"HTTP/2\n:\nTransfer-Encoding:chunked\n\n0\n =\r")
        conn.close()
    elif path == "/two-locations":
        conn.send(full(302, b"", [("Location", "/ok"), ("Location", "/stats")]))
    else:
        conn.tainted = False
        conn.send(full(404, b"not found\n"))


def drip(conn, data, interval=0.2, limit=60):
    deadline = time.monotonic() + limit
    for i in range(len(data)):
        if time.monotonic() > deadline:
            break
        conn.send(data[i:i + 1])
        time.sleep(interval)


def endless(conn, piece, limit=60):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        conn.send(piece)


def handle(sock, serial):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = Conn(sock, serial)
    try:
        serve(conn)
    except (Closed, OSError, ValueError, IndexError):
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


def accept_loop(listener):
    serial = 0
    while True:
        sock, _ = listener.accept()
        serial += 1
        with lock:
            stats["accepted"] += 1
        threading.Thread(target=handle, args=(sock, serial), daemon=True).start()


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    threading.Thread(target=accept_loop, args=(listener,), daemon=True).start()
    print(f"PORT {listener.getsockname()[1]}\nREADY", flush=True)
    exit_when_stdin_closes()


if __name__ == "__main__":
    main()
