#!/usr/bin/env python3
"""A small forward proxy for libsession's tests (stdlib only), counting what it sees.

Listens on 127.0.0.1:<ephemeral>; one port speaks HTTP proxying (absolute-form requests
forwarded, CONNECT tunnels) and SOCKS5 (told apart by the first byte). Prints `PORT <n>`
then `READY`; exits on stdin EOF.

  --auth user:pass   require these credentials (Proxy-Authorization Basic; SOCKS5
                     username/password), else 407 / SOCKS auth failure.
  --tls              also an HTTPS proxy (connections starting with a TLS handshake), with
                     a certificate from a throwaway trustme CA printed as `CA_PEM <path>`,
                     and its public key's pin as `TLS_PIN sha256//<base64>`.

Names ending in ".test" resolve to 127.0.0.1 here, so a test can prove a request went
through the proxy (the client itself cannot resolve them).

An origin-form `GET /stats` asks the proxy itself: {"seen": [...]} with one entry per
proxied request, CONNECT or SOCKS5 connect: kind ("forward", "connect", "socks5"), target,
proxy_authorization (the header value or null), socks_user, authorized.
Forwarded requests lose Proxy-Authorization (as real proxies do); tunnels carry bytes only.
"""
import argparse
import base64
import json
import os
import socket
import struct
import sys
import threading
from socketserver import StreamRequestHandler, ThreadingTCPServer

from lifetime import exit_when_stdin_closes

SEEN = []
LOCK = threading.Lock()
AUTH = None  # (user, password) when required
TLS_CONTEXT = None  # with --tls


def resolve(host):
    return "127.0.0.1" if host.endswith(".test") else host


def record(**entry):
    with LOCK:
        SEEN.append(entry)


def pipe(a, b):
    def copy(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
    t = threading.Thread(target=copy, args=(b, a), daemon=True)
    t.start()
    copy(a, b)
    t.join()


class Handler(StreamRequestHandler):
    def setup(self):
        # A TLS handshake starts with 0x16; plain clients (GET /stats) are served as is.
        if TLS_CONTEXT is not None and self.request.recv(1, socket.MSG_PEEK) == b"\x16":
            self.request = TLS_CONTEXT.wrap_socket(self.request, server_side=True)
        super().setup()

    def handle(self):
        first = self.rfile.peek(1)[:1]
        if first == b"\x05":
            return self.socks5()
        self.http()

    # ---- HTTP proxying ----
    def read_head(self):
        line = self.rfile.readline(65537).decode("latin-1")
        if not line:
            return None, []
        headers = []
        while True:
            h = self.rfile.readline(65537).decode("latin-1")
            if h in ("\r\n", "\n", ""):
                break
            name, _, value = h.partition(":")
            headers.append((name.strip(), value.strip()))
        return line.strip(), headers

    def reply(self, status, body=b"", extra=()):
        head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
        for k, v in extra:
            head += f"{k}: {v}\r\n"
        self.wfile.write(head.encode() + b"\r\n" + body)

    def http(self):
        line, headers = self.read_head()
        if not line:
            return
        method, target, _ = (line.split(" ", 2) + ["", ""])[:3]
        get = lambda n: next((v for k, v in headers if k.lower() == n.lower()), None)
        if target == "/stats":
            with LOCK:
                body = json.dumps({"seen": SEEN}).encode()
            return self.reply("200 OK", body, [("Content-Type", "application/json")])
        proxy_auth = get("Proxy-Authorization")
        authorized = AUTH is None or proxy_auth == "Basic " + base64.b64encode(
            f"{AUTH[0]}:{AUTH[1]}".encode()).decode()
        kind = "connect" if method == "CONNECT" else "forward"
        record(kind=kind, target=target, proxy_authorization=proxy_auth, socks_user=None,
               authorized=authorized)
        if not authorized:
            return self.reply("407 Proxy Authentication Required", b"",
                              [("Proxy-Authenticate", 'Basic realm="test"')])
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            try:
                upstream = socket.create_connection((resolve(host.strip("[]")), int(port)), 10)
            except OSError:
                return self.reply("502 Bad Gateway")
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            return pipe(self.connection, upstream)
        self.forward(method, target, headers)

    def forward(self, method, target, headers):
        if not target.startswith("http://"):
            return self.reply("400 Bad Request")
        rest = target[len("http://"):]
        authority, slash, path = rest.partition("/")
        host, _, port = authority.rpartition(":") if ":" in authority else (authority, "", "80")
        n = int(next((v for k, v in headers if k.lower() == "content-length"), "0") or 0)
        body = self.rfile.read(n)
        try:
            upstream = socket.create_connection((resolve(host.strip("[]")), int(port)), 10)
        except OSError:
            return self.reply("502 Bad Gateway")
        keep = [(k, v) for k, v in headers
                if k.lower() not in ("proxy-authorization", "proxy-connection", "connection")]
        head = f"{method} /{path if slash else ''} HTTP/1.1\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in keep) + "Connection: close\r\n\r\n"
        upstream.sendall(head.encode("latin-1") + body)
        while True:
            data = upstream.recv(65536)
            if not data:
                break
            self.wfile.write(data)
        upstream.close()

    # ---- SOCKS5 (RFC 1928, RFC 1929) ----
    def socks5(self):
        r = self.rfile
        _, n = r.read(2)
        methods = r.read(n)
        want = 0x02 if AUTH else 0x00
        if want not in methods:
            self.wfile.write(b"\x05\xff")
            return
        self.wfile.write(bytes([5, want]))
        user = None
        authorized = True
        if AUTH:
            _, ulen = r.read(2)
            user = r.read(ulen).decode()
            (plen,) = r.read(1)
            password = r.read(plen).decode()
            authorized = (user, password) == AUTH
            self.wfile.write(b"\x01\x00" if authorized else b"\x01\x01")
        ver, cmd, _, atyp = r.read(4)
        if atyp == 1:
            host = socket.inet_ntoa(r.read(4))
        elif atyp == 3:
            (ln,) = r.read(1)
            host = r.read(ln).decode()
        else:
            host = socket.inet_ntop(socket.AF_INET6, r.read(16))
        (port,) = struct.unpack("!H", r.read(2))
        record(kind="socks5", target=f"{host}:{port}", proxy_authorization=None,
               socks_user=user, authorized=authorized)
        if not authorized:
            return
        try:
            upstream = socket.create_connection((resolve(host), port), 10)
        except OSError:
            self.wfile.write(b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00")
            return
        self.wfile.write(b"\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00")
        self.wfile.flush()
        pipe(self.connection, upstream)


class Server(ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):  # TLS failures are expected in tests
            super().handle_error(request, client_address)


def main():
    global AUTH, TLS_CONTEXT
    ap = argparse.ArgumentParser()
    ap.add_argument("--auth")
    ap.add_argument("--tls", action="store_true")
    args = ap.parse_args()
    if args.auth:
        AUTH = tuple(args.auth.split(":", 1))
    lines = []
    tmpdir = None
    if args.tls:
        import ssl
        import tempfile
        import trustme
        tmpdir = tempfile.mkdtemp(prefix="proxy-tls-")
        ca = trustme.CA()
        TLS_CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert = ca.issue_cert("127.0.0.1", "localhost")
        cert.configure_cert(TLS_CONTEXT)
        ca_pem = os.path.join(tmpdir, "proxy-ca.pem")
        ca.cert_pem.write_to_path(ca_pem)
        from rig_server import public_key_pin
        lines += [f"CA_PEM {ca_pem}", f"TLS_PIN {public_key_pin(cert, tmpdir)[0]}"]
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("\n".join([f"PORT {server.server_address[1]}"] + lines + ["READY"]), flush=True)
    exit_when_stdin_closes(tmpdir)


if __name__ == "__main__":
    main()
