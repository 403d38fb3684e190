"""Long-lived streams for libsession's tests: a WebSocket server (wsproto, the sans-IO
RFC 6455 implementation hypercorn uses, pinned in tests/requirements.txt) and a
Server-Sent Events endpoint, on 127.0.0.1.

Prints `PORT <n>`; with --tls also `TLS_PORT <m>` and `CA_PEM <path>` (trustme); then READY.
Exits when stdin closes.

WebSocket paths (the handshake is wsproto's; hostile frames are written raw):
  /echo          echoes text and binary messages; answers pings and closes
  /headers       first sends a text message: the upgrade request's headers as JSON; then echoes
  /setcookie     101 with `Set-Cookie: wscookie=up; Path=/`; then echoes
  /refuse        403 with `Set-Cookie: refused=1; Path=/` and the body `go away`
  /badaccept     101 with a wrong Sec-WebSocket-Accept
  /protocol      accepts the first subprotocol offered; then echoes
  /vanish        completes the handshake, then drops the TCP connection (no close frame)
  /silent        completes the handshake, then never sends anything
  /big?n=N       sends one binary message of N bytes in three fragments
  /badutf8       sends a text frame that is not UTF-8
  /fragments     sends "Hello, world" in fragments with a ping between them, then echoes
  /ping          pings ("are you there"); on the right pong sends text "pong ok"
  /close         sends close 4000 "bye" at once
  /sizes         sends binary messages of 0, 125, 126, 65535 and 65536 bytes, then echoes
  /raw?hex=H     sends the bytes H (hex: whole frames, for the conformance cases), then echoes
  /gen?op=O&n=N&frags=K   one message of opcode O (1 text of "*", 2 binary) of N bytes in K
                 fragments
SSE paths:
  /events?n=N[&retry=MS]   N events `id: i` / `data: event i`, then the stream ends
  /events/forever          an event every 10 ms until the client goes
  /events/mixed            the event-stream rules at work (BOM, CR, CRLF, comments, ...)
  /events/resume[?retry=MS] echoes Last-Event-ID in one event (after `retry: MS`), then ends
"""
import argparse
import json
import os
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
from urllib.parse import parse_qs, urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import (AcceptConnection, BytesMessage, CloseConnection, Ping, Pong,
                            RejectConnection, RejectData, Request, TextMessage)


def frame(opcode, payload, fin=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head + b"\r\n\r\n", rest


def parse_head(head):
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, _, v = line.partition(":")
            headers.setdefault(k.strip().lower(), v.strip())
    return method, target, headers


class Peer:
    """One WebSocket connection after its handshake."""

    def __init__(self, sock, ws):
        self.sock, self.ws = sock, ws

    def send(self, event):
        self.sock.sendall(self.ws.send(event))

    def events(self):
        while True:
            data = self.sock.recv(65536)
            if not data:
                return
            self.ws.receive_data(data)
            for event in self.ws.events():
                yield event

    def echo(self):
        text = []
        binary = []
        for event in self.events():
            if isinstance(event, TextMessage):
                text.append(event.data)
                if event.message_finished:
                    self.send(TextMessage(data="".join(text)))
                    text = []
            elif isinstance(event, BytesMessage):
                binary.append(bytes(event.data))
                if event.message_finished:
                    self.send(BytesMessage(data=b"".join(binary)))
                    binary = []
            elif isinstance(event, Ping):
                self.send(event.response())
            elif isinstance(event, CloseConnection):
                self.send(event.response())
                return


def handle_ws(sock, head, rest, target, headers):
    path = urlsplit(target).path
    query = parse_qs(urlsplit(target).query)
    ws = WSConnection(ConnectionType.SERVER)
    ws.receive_data(head + rest)
    request = next((e for e in ws.events() if isinstance(e, Request)), None)
    if request is None:
        return
    if path == "/refuse":
        body = b"go away"
        sock.sendall(ws.send(RejectConnection(status_code=403, has_body=True, headers=[
            (b"Set-Cookie", b"refused=1; Path=/"), (b"Content-Length", str(len(body)).encode())])))
        sock.sendall(ws.send(RejectData(data=body)))
        return
    if path == "/badaccept":
        sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n")
        time.sleep(0.5)
        return
    extra = [(b"Set-Cookie", b"wscookie=up; Path=/")] if path == "/setcookie" else []
    subprotocol = request.subprotocols[0] if path == "/protocol" and request.subprotocols else None
    sock.sendall(ws.send(AcceptConnection(subprotocol=subprotocol, extra_headers=extra)))
    peer = Peer(sock, ws)
    if path == "/headers":
        peer.send(TextMessage(data=json.dumps(headers)))
    elif path == "/vanish":
        time.sleep(0.2)
        sock.shutdown(socket.SHUT_RDWR)
        return
    elif path == "/silent":
        while sock.recv(65536):
            pass
        return
    elif path == "/big":
        n = int(query["n"][0])
        data = os.urandom(n)
        a, b = n // 3, 2 * n // 3
        sock.sendall(frame(0x2, data[:a], False) + frame(0x0, data[a:b], False) + frame(0x0, data[b:]))
    elif path == "/badutf8":
        sock.sendall(frame(0x1, b"ok \xff\xfe"))
    elif path == "/fragments":
        sock.sendall(frame(0x1, b"Hello", False) + frame(0x9, b"mid") + frame(0x0, b", ", False)
                     + frame(0x0, b"world"))
    elif path == "/ping":
        peer.send(Ping(payload=b"are you there"))
        for event in peer.events():
            if isinstance(event, Pong):
                peer.send(TextMessage(data="pong ok" if event.payload == b"are you there" else "bad pong"))
                break
    elif path == "/close":
        peer.send(CloseConnection(code=4000, reason="bye"))
        for event in peer.events():
            pass
        return
    elif path == "/raw":
        sock.sendall(bytes.fromhex(query["hex"][0]))
    elif path == "/gen":
        op, n, k = int(query["op"][0]), int(query["n"][0]), int(query.get("frags", ["1"])[0])
        data = b"*" * n
        step = max(1, -(-n // k))
        parts = [data[i:i + step] for i in range(0, n, step)] or [b""]
        for i, part in enumerate(parts):
            sock.sendall(frame(op if i == 0 else 0, part, i == len(parts) - 1))
    elif path == "/sizes":
        for n in (0, 125, 126, 65535, 65536):
            peer.send(BytesMessage(data=bytes([n % 251]) * n))
    peer.echo()


MIXED = ("\ufeff: a comment\r\n"
         "data: first\r\n\r\n"
         "event: custom\rdata: two\rdata:lines\r\r"
         "id: 7\ndata\n\n"
         "retry: 1500\ndata:  spaced\n\n"
         "retry: soon\nid: 8\nunknown: x\ndata: last\n\n"
         "data: never dispatched")


def handle_sse(sock, target, headers):
    path = urlsplit(target).path
    query = parse_qs(urlsplit(target).query)
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                 b"Connection: close\r\n\r\n")
    if path == "/events/mixed":
        sock.sendall(MIXED.encode())
    elif path == "/events/resume":
        last = headers.get("last-event-id", "")
        retry = f"retry: {query['retry'][0]}\n" if "retry" in query else ""
        sock.sendall(f"{retry}id: {last}-next\ndata: resumed after {last or 'nothing'}\n\n".encode())
    elif path == "/events/forever":
        i = 0
        while True:
            sock.sendall(f"id: {i}\ndata: tick {i}\n\n".encode())
            i += 1
            time.sleep(0.01)
    else:
        n = int(query.get("n", ["3"])[0])
        if "retry" in query:
            sock.sendall(f"retry: {query['retry'][0]}\n\n".encode())
        batch = []
        for i in range(n):
            batch.append(f"id: {i}\ndata: event {i}\n\n")
            if len(batch) == 1000:
                sock.sendall("".join(batch).encode())
                batch = []
        sock.sendall("".join(batch).encode())


def serve(sock):
    try:
        head, rest = read_head(sock)
        if head is None:
            return
        method, target, headers = parse_head(head)
        if urlsplit(target).path.startswith("/events"):
            handle_sse(sock, target, headers)
        else:
            handle_ws(sock, head, rest, target, headers)
    except (OSError, ValueError, ssl.SSLError):
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


def listen(ctx=None):
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)

    def accept_loop():
        while True:
            conn, _ = lsock.accept()

            def run(conn=conn):
                if ctx is not None:
                    try:
                        conn.settimeout(10)
                        conn = ctx.wrap_socket(conn, server_side=True)
                        conn.settimeout(None)
                    except (OSError, ssl.SSLError):
                        conn.close()
                        return
                serve(conn)

            threading.Thread(target=run, daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    return lsock.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tls", action="store_true")
    args = ap.parse_args()
    lines = [f"PORT {listen()}"]
    tmpdir = None
    if args.tls:
        import trustme
        tmpdir = tempfile.mkdtemp(prefix="stream-tls-")
        ca = trustme.CA()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
        ca_pem = os.path.join(tmpdir, "ca.pem")
        ca.cert_pem.write_to_path(ca_pem)
        lines += [f"TLS_PORT {listen(ctx)}", f"CA_PEM {ca_pem}"]
    print("\n".join(lines + ["READY"]), flush=True)
    sys.stdin.read()
    if tmpdir:
        import shutil
        shutil.rmtree(tmpdir, ignore_errors=True)
    os._exit(0)


if __name__ == "__main__":
    main()
