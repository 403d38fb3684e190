#!/usr/bin/env python3
"""libsession's own test server (stdlib only; trustme for --tls).

Listens on 127.0.0.1:<ephemeral>, HTTP/1.1 keep-alive, one thread per connection.
Prints `PORT <n>`; with --tls also `TLS_PORT <m>` and `CA_PEM <path>` (a throwaway
CA that clients do not trust by default); then `READY`. Exits on stdin EOF.

Endpoints (any method; HEAD gets headers only):
  /connections          {"accepted": N}: TCP connections accepted by the listener the
                        request came in on. A connection whose first request is
                        /connections (a probe, e.g. support::get_json) is not counted.
  /echo...              JSON of method, raw target, raw query, headers in order, body.
  /redirect?to=U&status=S&body=B   S (default 302) with `Location: U` verbatim, body B.
  /loop                 302 to /loop.
  /cookies/set-raw?h=V&h=...&status=S&to=U   one `Set-Cookie: V` line per h.
  /set-raw?...          the same at the root, so that the cookies' default path is "/".
  /status/<code>        that status, standard reason, small body.
  /hang                 never answers (60 s at most, or until the client leaves).
  /bytes/<n>            n bytes, byte i = i % 251.
  /close                200 with `Connection: close`, then closes.
  /drop-next?how=H      200 (kept alive); the next request on this connection is read and
                        answered by closing the connection (a stale keep-alive connection);
                        H=reset closes with a TCP RST instead.
  /flaky?key=K&fail=N&status=S&retry_after=R   S (default 503, with `Retry-After: R` when
                        given) for the first N requests with key K, then 200 with the count.
  /attempts?key=K       {"attempts": N}: requests /flaky saw with key K.
  /mirror?ce=E          200 whose body is the request body, with `Content-Encoding: E`
                        when given (the client compresses; the server only labels).
  /gzip-bomb?mb=N       N MiB of zeros, gzip-compressed on the fly, sent chunked.
  /sink                 {"len", "sha256", "chunked", "content_type"} of the request body.
  /sts?v=V&v=...&status=S&to=U   one `Strict-Transport-Security: V` line per v (status S,
                        default 200; `Location: U` when given).
  /requests             {"requests": N}: HTTP requests the listener the request came in on
                        has read, other than /requests and /connections.
  /peer                 {"address", "port", "listener"}: the client's address and port as
                        the listener saw them ("tcp", or "unix:<path>" with no address).
  /cache?key=K&...      for HTTP cache tests: counts each request under K, answers 200
                        (status=S) with body "K <count>" and the headers asked for: cc
                        (Cache-Control), etag, lm / expires / date (Last-Modified, Expires,
                        Date as seconds from now, e.g. lm=-86400), age, vary (and the
                        request's values of the Vary fields appended to the body), loc
                        (Location), cloc (Content-Location), cookie (Set-Cookie), h=Name:Value,
                        pad=N (N dots added to the body).
                        A request whose If-None-Match names the etag, or whose
                        If-Modified-Since equals lm, gets 304 with the same headers and
                        h304=Name:Value ones (and Cache-Control cc304 for cc when given).
                        After /cache-fail?key=K&status=S, K answers S (S=0 stops it).
  /cache-hits?key=K     {"hits": N, "conditional": C, "last": {headers}} of /cache under K.
With --unix PATH also a listener on that Unix domain socket (`UNIX_PATH <path>`), the same
endpoints. With --tls also `TLS_PIN sha256//<base64>` (the TLS listener's public-key pin)
and `TLS_PUBKEY <path>` (that key as PEM).
With --tls also `MTLS_PORT <p>`, a TLS listener requiring a client certificate from the
same CA, and `CLIENT_CERT <path>`, `CLIENT_KEY <path>` (encrypted with "secret").
The TLS certificate names 127.0.0.1, localhost, hsts.test and *.hsts.test (for HSTS tests,
which map those names to 127.0.0.1 with session_set_resolve).
Query values are percent-decoded as latin-1, so any byte can be put into a header.
"""
import argparse
import hashlib
import json
import os
import select
import socket
import socketserver
import ssl
import struct
import sys
import tempfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from lifetime import exit_when_stdin_closes

PATTERN_BLOCK = bytes(range(251)) * 256  # /bytes data; length is a multiple of 251
FLAKY = {}  # /flaky request counts by key
CACHE = {}  # /cache: key -> {"hits", "conditional", "last", "fail"}


class BadRequest(Exception):
    pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, handler, tls_context=None):
        super().__init__(addr, handler)
        self.tls_context = tls_context
        self.accepted = 0
        self.requests = 0
        self.lock = threading.Lock()

    def get_request(self):
        sock, addr = super().get_request()
        with self.lock:
            self.accepted += 1
        if self.tls_context:
            # The handshake happens in the connection's own thread (Handler.setup),
            # so a slow or non-TLS client cannot stall the accept loop.
            sock = self.tls_context.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        # Client disconnects, resets, TLS failures: expected in tests, stay quiet.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path, handler):
        if os.path.exists(path):
            os.unlink(path)
        super().__init__(path, handler)
        self.tls_context = None
        self.accepted = 0
        self.requests = 0
        self.lock = threading.Lock()
        self.listener = "unix:" + path

    def get_request(self):
        sock, addr = super().get_request()
        with self.lock:
            self.accepted += 1
        return sock, addr

    handle_error = Server.handle_error


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes
    server_version = "rig"
    sys_version = ""

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        if isinstance(self.server, UnixServer):
            self.disable_nagle_algorithm = False  # no TCP_NODELAY on a Unix socket
        super().setup()
        self.first_request = True

    def log_message(self, *args):
        pass  # no per-request logging

    # http.server dispatches to do_<METHOD>; route every method to one place.
    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    def dispatch(self):
        first, self.first_request = self.first_request, False
        if getattr(self, "drop_next", False):
            self.close_connection = True
            if self.drop_next == "reset":  # RST instead of FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return  # read, never answered: the client sees the connection close
        try:
            body = self.read_body()
        except (BadRequest, ValueError):
            self.close_connection = True
            return self.respond(400, b"bad request body\n")
        path, _, query = self.path.partition("?")
        q = parse_qs(query, keep_blank_values=True, encoding="latin-1")
        if path not in ("/requests", "/connections"):
            with self.server.lock:
                self.server.requests += 1

        if path == "/connections":
            with self.server.lock:
                if first:
                    self.server.accepted -= 1  # don't count the probe itself
                n = self.server.accepted
            self.respond_json({"accepted": n})
        elif path == "/requests":
            with self.server.lock:
                n = self.server.requests
            self.respond_json({"requests": n})
        elif path == "/sts":
            headers = [("Strict-Transport-Security", v) for v in q.get("v", [])]
            if "to" in q:
                headers.append(("Location", q["to"][0]))
            self.respond(self.int_param(q, "status", 200), b"sts\n", headers=headers)
        elif path == "/peer":
            addr = self.client_address if isinstance(self.client_address, tuple) else (None, None)
            self.respond_json({"address": addr[0], "port": addr[1],
                               "listener": getattr(self.server, "listener", "tcp")})
        elif path.startswith("/echo"):
            self.respond_json({
                "method": self.command,
                "path": self.path,
                "query": query,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("latin-1"),
                "body_len": len(body),
            })
        elif path == "/redirect":
            status = self.int_param(q, "status", 302)
            body = q.get("body", [""])[0].encode("latin-1")
            self.respond(status, body, headers=[("Location", q.get("to", [""])[0])])
        elif path == "/loop":
            self.respond(302, headers=[("Location", "/loop")])
        elif path in ("/cookies/set-raw", "/set-raw"):
            headers = [("Set-Cookie", h) for h in q.get("h", [])]
            if "to" in q:
                headers.append(("Location", q["to"][0]))
            self.respond(self.int_param(q, "status", 200), headers=headers)
        elif path.startswith("/status/"):
            code = int(path[len("/status/"):]) if path[8:].isdigit() else 0
            if not 200 <= code <= 599:
                return self.respond(400, b"bad status code\n")
            self.respond(code, f"status {code}\n".encode())
        elif path == "/hang":
            self.hang()
        elif path.startswith("/bytes/") and path[7:].isdigit():
            self.send_bytes(int(path[7:]))
        elif path == "/drop-next":
            self.drop_next = q.get("how", ["close"])[0]
            self.respond(200, b"kept\n")
        elif path == "/flaky":
            key = q.get("key", [""])[0]
            with self.server.lock:
                n = FLAKY[key] = FLAKY.get(key, 0) + 1
            if n <= self.int_param(q, "fail", 0):
                extra = [("Retry-After", q["retry_after"][0])] if "retry_after" in q else []
                self.respond(self.int_param(q, "status", 503), b"not yet\n", extra)
            else:
                self.respond(200, f"attempt {n}\n".encode())
        elif path == "/cache":
            self.cache(q)
        elif path == "/cache-fail":
            with self.server.lock:
                CACHE.setdefault(q.get("key", [""])[0], {"hits": 0, "conditional": 0})["fail"] = self.int_param(q, "status", 0)
            self.respond(200, b"ok\n")
        elif path == "/cache-hits":
            with self.server.lock:
                state = dict(CACHE.get(q.get("key", [""])[0], {"hits": 0, "conditional": 0}))
            self.respond_json(state)
        elif path == "/attempts":
            self.respond_json({"attempts": FLAKY.get(q.get("key", [""])[0], 0)})
        elif path == "/close":
            self.respond(200, b"closing\n", [("Connection", "close")])
        elif path == "/mirror":
            headers = [("Content-Encoding", q["ce"][0])] if "ce" in q else []
            self.respond(200, body, headers, content_type="application/octet-stream")
        elif path == "/gzip-bomb":
            self.send_gzip_bomb(self.int_param(q, "mb", 1))
        elif path == "/sink":
            self.respond_json({
                "len": len(body),
                "sha256": hashlib.sha256(body).hexdigest(),
                "chunked": "chunked" in self.headers.get("Transfer-Encoding", "").lower(),
                "content_type": self.headers.get("Content-Type", ""),
            })
        else:
            self.respond(404, b"not found\n")

    def cache(self, q):
        from email.utils import formatdate

        one = lambda name: q[name][0] if name in q else None
        key = one("key") or ""
        when = lambda name: formatdate(time.time() + int(one(name)), usegmt=True)
        headers = []
        for name, param in (("Cache-Control", "cc"), ("ETag", "etag"), ("Age", "age"), ("Vary", "vary"),
                            ("Location", "loc"), ("Content-Location", "cloc"), ("Set-Cookie", "cookie")):
            if one(param) is not None:
                headers.append((name, one(param)))
        for name, param in (("Last-Modified", "lm"), ("Expires", "expires"), ("Date", "date")):
            if one(param) is not None:
                headers.append((name, when(param) if one(param).lstrip("-").isdigit() else one(param)))
        for h in q.get("h", []):
            name, _, value = h.partition(":")
            headers.append((name, value.strip()))
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        with self.server.lock:
            state = CACHE.setdefault(key, {"hits": 0, "conditional": 0})
            state["hits"] += 1
            state["conditional"] += bool(inm or ims)
            state["last"] = {k.lower(): v for k, v in self.headers.items()}
            n, fail = state["hits"], state.get("fail", 0)
        if fail:
            return self.respond(fail, f"{key} failed {n}\n".encode())
        etag, lm = one("etag"), one("lm")
        not_modified = (inm is not None and etag is not None and etag in [t.strip() for t in inm.split(",")]) or (
            inm is None and ims is not None and lm is not None and ims == dict(headers).get("Last-Modified"))
        if not_modified:
            if one("cc304") is not None:
                headers = [(k, one("cc304") if k == "Cache-Control" else v) for k, v in headers]
            for h in q.get("h304", []):
                name, _, value = h.partition(":")
                headers.append((name, value.strip()))
            return self.respond(304, headers=headers)
        body = f"{key} {n}" + "." * self.int_param(q, "pad", 0)
        for name in (one("vary") or "").split(","):
            if name.strip() and name.strip() != "*":
                body += f" {self.headers.get(name.strip(), '-')}"
        body = (body + "\n").encode()
        if one("gz") is not None:  # content-encoded as gzip (the cache stores it so)
            import gzip
            body = gzip.compress(body, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        self.respond(self.int_param(q, "status", 200), body, headers)

    def int_param(self, q, name, default):
        try:
            return int(q[name][0]) if name in q else default
        except ValueError:
            return default

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline(65537).split(b";")[0].strip(), 16)
                if size == 0:
                    break
                chunks.append(self.rfile.read(size))
                if self.rfile.read(2) != b"\r\n":
                    raise BadRequest
            while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        if len(body) != n:
            raise BadRequest
        return body

    def respond(self, status, body=b"", headers=(), content_type="text/plain"):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if status not in (204, 304):  # these must not carry Content-Length/body
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)

    def respond_json(self, obj):
        self.respond(200, json.dumps(obj).encode() + b"\n", content_type="application/json")

    def send_bytes(self, n):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        if self.command == "HEAD":
            return
        while n > 0:
            chunk = PATTERN_BLOCK[:n]
            self.wfile.write(chunk)
            n -= len(chunk)

    def send_gzip_bomb(self, mib):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        gz = zlib.compressobj(9, zlib.DEFLATED, 31)
        zeros = bytes(1 << 20)
        try:
            for _ in range(mib):
                self.write_chunk(gz.compress(zeros))
            self.write_chunk(gz.flush())
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client stopped reading: expected

    def write_chunk(self, data):
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def hang(self):
        # Never answer; return when the client closes (readable + EOF) or after 60 s.
        self.close_connection = True
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if select.select([self.connection], [], [], 0.5)[0]:
                try:
                    if not self.connection.recv(4096):
                        return
                except OSError:
                    return


def tls_context(tmpdir):
    import trustme

    ca = trustme.CA()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert = ca.issue_cert("127.0.0.1", "localhost", "hsts.test", "*.hsts.test")
    cert.configure_cert(ctx)
    ctx.set_alpn_protocols(["http/1.1"])  # so HTTP/2-over-ALPN clients fall back
    ca_pem = os.path.join(tmpdir, "ca.pem")
    ca.cert_pem.write_to_path(ca_pem)
    return ctx, ca_pem, ca, cert


def public_key_pin(cert, tmpdir):
    """The pin of a trustme cert's public key (sha256// of its DER SubjectPublicKeyInfo)
    and the path of the key written as PEM."""
    import base64
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    key = x509.load_pem_x509_certificate(cert.cert_chain_pems[0].bytes()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    path = os.path.join(tmpdir, "pubkey.pem")
    with open(path, "wb") as f:
        f.write(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return "sha256//" + base64.b64encode(hashlib.sha256(der).digest()).decode(), path


def mtls_context(ca, tmpdir):
    """A server context requiring a client cert from `ca`; writes the client's cert and
    its key encrypted with the password "secret"."""
    from cryptography.hazmat.primitives import serialization

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost", "hsts.test", "*.hsts.test").configure_cert(ctx)
    ca.configure_trust(ctx)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.set_alpn_protocols(["http/1.1"])
    client = ca.issue_cert("client@libsession.test")
    cert, key = os.path.join(tmpdir, "client.pem"), os.path.join(tmpdir, "client-key.pem")
    client.cert_chain_pems[0].write_to_path(cert)
    pkey = serialization.load_pem_private_key(client.private_key_pem.bytes(), password=None)
    with open(key, "wb") as f:
        f.write(pkey.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.BestAvailableEncryption(b"secret")))
    return ctx, cert, key


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tls", action="store_true", help="also start a TLS listener")
    ap.add_argument("--unix", metavar="PATH", help="also listen on this Unix domain socket")
    args = ap.parse_args()

    tmpdir = tempfile.mkdtemp(prefix="rig-tls-") if args.tls else None
    servers = [Server(("127.0.0.1", 0), Handler)]
    lines = [f"PORT {servers[0].server_port}"]
    if args.tls:
        ctx, ca_pem, ca, cert = tls_context(tmpdir)
        servers.append(Server(("127.0.0.1", 0), Handler, ctx))
        lines += [f"TLS_PORT {servers[1].server_port}", f"CA_PEM {ca_pem}"]
        pin, pubkey = public_key_pin(cert, tmpdir)
        lines += [f"TLS_PIN {pin}", f"TLS_PUBKEY {pubkey}"]
        mctx, cert, key = mtls_context(ca, tmpdir)
        servers.append(Server(("127.0.0.1", 0), Handler, mctx))
        lines += [f"MTLS_PORT {servers[2].server_port}", f"CLIENT_CERT {cert}", f"CLIENT_KEY {key}"]
    if args.unix:
        servers.append(UnixServer(args.unix, Handler))
        lines.append(f"UNIX_PATH {args.unix}")
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("\n".join(lines + ["READY"]), flush=True)

    exit_when_stdin_closes(tmpdir)


if __name__ == "__main__":
    main()
