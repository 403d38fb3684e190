"""Long-lived streams for libsession's tests: WebSocket and Server-Sent Events on 127.0.0.1.

The WebSocket server is the `websockets` package (PyPI, pinned in tests/requirements.txt;
its sync server, no compression, no size cap): every conformant path below is served by it.
Paths that need what a conformant server never sends (hostile frames, a bad handshake, a
vanished peer, a chunked refusal) are answered by this script's raw socket code instead.
One port serves both: the front reads the request head and either answers itself or relays
the connection, byte for byte, to the websockets server (TLS ends at the front for wss).

Prints `PORT <n>`; with --tls also `TLS_PORT <m>` and `CA_PEM <path>` (trustme); then READY.
Exits when stdin closes.

WebSocket paths served by websockets:
  /echo          echoes text and binary messages (websockets answers pings and closes)
  /headers       first sends a text message: the upgrade request's headers as JSON; then echoes
  /setcookie     101 with `Set-Cookie: wscookie=up; Path=/`; then echoes
  /refuse        403 with `Set-Cookie: refused=1; Path=/` and the body `go away`
  /protocol      accepts the first subprotocol offered; then echoes
  /silent        completes the handshake, then never sends anything
  /big?n=N       sends one binary message of N bytes in three fragments, then echoes
  /ping          pings ("are you there"); on the pong sends text "pong ok", then echoes
  /close         sends close 4000 "bye" at once
  /sizes         sends binary messages of 0, 125, 126, 65535 and 65536 bytes, then echoes
  /gen?op=O&n=N&frags=K   one message (O 1: text of "*", 2: binary) of N bytes in K
                 fragments, then echoes
  any of them with &case=C (or ?case=C): the code of the client's close is recorded for /report
Raw paths (hostile or broken on purpose):
  /refuse/chunked  403, the body `go away, in chunks` with Transfer-Encoding: chunked
  /refuse/close    401 without Content-Length: the body runs to the connection's end
  /badaccept     101 with a wrong Sec-WebSocket-Accept
  /vanish        completes the handshake, then drops the TCP connection (no close frame)
  /badutf8       sends a text frame that is not UTF-8
  /fragments     sends "Hello, world" in fragments with a ping between them, then echoes
  /raw?hex=H[&case=C]  sends the bytes H (whole frames, for the conformance cases), then
                 echoes; the code of the client's close frame is recorded for /report
HTTP:
  /report?case=C the close code the client sent on case C ("none" if no close came)
SSE paths:
  /events?n=N[&retry=MS]   N events `id: i` / `data: event i`, then the stream ends
  /events/forever          an event every 10 ms until the client goes
  /events/mixed            the event-stream rules at work (BOM, CR, CRLF, comments, ...)
  /events/resume[?retry=MS] echoes Last-Event-ID in one event (after `retry: MS`), then ends
"""
import argparse
import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve as ws_serve

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
WS_PATHS = {"/echo", "/headers", "/setcookie", "/refuse", "/protocol", "/silent", "/big",
            "/ping", "/close", "/sizes", "/gen"}
# case -> the close code a client sent on it (raw /raw and websockets /closed)
CLOSES = {}
WS_PORT = None


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


# --- the websockets server -------------------------------------------------------------

def ws_echo(ws):
    try:
        for message in ws:
            ws.send(message)
    except ConnectionClosed:
        pass


def ws_handler(ws):
    target = urlsplit(ws.request.path)
    path, query = target.path, parse_qs(target.query)
    try:
        if path == "/headers":
            headers = {}
            for k, v in ws.request.headers.raw_items():
                headers.setdefault(k.lower(), v)
            ws.send(json.dumps(headers))
        elif path == "/silent":
            for _ in ws:
                pass
            return
        elif path == "/big":
            n = int(query["n"][0])
            data = os.urandom(n)
            a, b = n // 3, 2 * n // 3
            ws.send([data[:a], data[a:b], data[b:]])
        elif path == "/ping":
            pong = ws.ping(b"are you there")
            ws.send("pong ok" if pong.wait(10) else "no pong")
        elif path == "/close":
            ws.close(4000, "bye")
            return
        elif path == "/sizes":
            for n in (0, 125, 126, 65535, 65536):
                ws.send(bytes([n % 251]) * n)
        elif path == "/gen":
            op, n, k = int(query["op"][0]), int(query["n"][0]), int(query.get("frags", ["1"])[0])
            step = max(1, -(-n // k))
            if op == 1:
                data = "*" * n
                parts = [data[i:i + step] for i in range(0, n, step)] or [""]
            else:
                data = b"*" * n
                parts = [data[i:i + step] for i in range(0, n, step)] or [b""]
            ws.send(parts[0] if len(parts) == 1 else parts)
        ws_echo(ws)
    except ConnectionClosed:
        pass
    finally:
        if "case" in query:
            code = ws.protocol.close_rcvd.code if ws.protocol.close_rcvd is not None else "none"
            CLOSES[query.get("case", [""])[0]] = str(code)


def ws_process_request(ws, request):
    path = urlsplit(request.path).path
    if path == "/refuse":
        response = ws.respond(HTTPStatus.FORBIDDEN, "go away")
        response.headers["Set-Cookie"] = "refused=1; Path=/"
        return response
    return None


def ws_process_response(ws, request, response):
    if urlsplit(request.path).path == "/setcookie":
        response.headers["Set-Cookie"] = "wscookie=up; Path=/"
    return None


def ws_select_subprotocol(ws, offered):
    if urlsplit(ws.request.path).path == "/protocol" and offered:
        return offered[0]
    return None


def start_websockets():
    server = ws_serve(ws_handler, "127.0.0.1", 0, compression=None, max_size=None, ping_interval=None,
                      close_timeout=2, process_request=ws_process_request,
                      process_response=ws_process_response, select_subprotocol=ws_select_subprotocol)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.socket.getsockname()[1]


def relay(sock, head, rest):
    """Hands the connection to the websockets server: bytes both ways until each side ends."""
    up = socket.create_connection(("127.0.0.1", WS_PORT))
    up.sendall(head + rest)

    def pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    back = threading.Thread(target=pump, args=(up, sock), daemon=True)
    back.start()
    pump(sock, up)
    back.join()
    up.close()


# --- raw WebSocket paths ---------------------------------------------------------------

def accept_raw(sock, headers):
    key = headers.get("sec-websocket-key", "").encode()
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")


def client_frames(sock, buf=b""):
    """Yields (opcode, fin, payload) of the client's frames (unmasked) until EOF."""
    while True:
        while True:
            if len(buf) >= 2:
                n, at = buf[1] & 0x7F, 2
                if n == 126 and len(buf) >= 4:
                    n, at = struct.unpack("!H", buf[2:4])[0], 4
                elif n == 127 and len(buf) >= 10:
                    n, at = struct.unpack("!Q", buf[2:10])[0], 10
                if (buf[1] & 0x7F) < 126 or at > 2:
                    mask_len = 4 if buf[1] & 0x80 else 0
                    end = at + mask_len + n
                    if len(buf) >= end:
                        mask = buf[at:at + mask_len]
                        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(buf[at + mask_len:end])) if mask else buf[at:end]
                        yield buf[0] & 0x0F, bool(buf[0] & 0x80), payload
                        buf = buf[end:]
                        continue
            break
        data = sock.recv(65536)
        if not data:
            return
        buf += data


def raw_echo(sock, rest, case=None):
    """Echoes the client's messages; answers pings and the close; records the close code."""
    message, op = b"", None
    code = "none"
    try:
        for opcode, fin, payload in client_frames(sock, rest):
            if opcode == 8:
                code = str(struct.unpack("!H", payload[:2])[0]) if len(payload) >= 2 else "1005"
                sock.sendall(frame(8, payload[:2]))
                return
            if opcode == 9:
                sock.sendall(frame(10, payload))
            elif opcode in (0, 1, 2):
                op = opcode if opcode else op
                message += payload
                if fin:
                    sock.sendall(frame(op, message))
                    message = b""
    finally:
        if case is not None:
            CLOSES[case] = code


def handle_raw_ws(sock, rest, target, headers):
    path = urlsplit(target).path
    query = parse_qs(urlsplit(target).query)
    if path == "/refuse/chunked":
        sock.sendall(b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\nSet-Cookie: refused=2; Path=/\r\n\r\n"
                     b"8\r\ngo away,\r\n4\r\n in \r\n6;ext=1\r\nchunks\r\n0\r\n\r\n")
        time.sleep(0.5)
        return
    if path == "/refuse/close":
        sock.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\n\r\nlog in first")
        return
    if path == "/badaccept":
        sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n")
        time.sleep(0.5)
        return
    accept_raw(sock, headers)
    if path == "/vanish":
        time.sleep(0.2)
        sock.shutdown(socket.SHUT_RDWR)
        return
    if path == "/badutf8":
        sock.sendall(frame(0x1, b"ok \xff\xfe"))
    elif path == "/fragments":
        sock.sendall(frame(0x1, b"Hello", False) + frame(0x9, b"mid") + frame(0x0, b", ", False)
                     + frame(0x0, b"world"))
    elif path == "/raw":
        sock.sendall(bytes.fromhex(query["hex"][0]))
    raw_echo(sock, rest, query.get("case", [None])[0])


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
        path = urlsplit(target).path
        if path.startswith("/events"):
            handle_sse(sock, target, headers)
        elif path == "/report":
            case = parse_qs(urlsplit(target).query).get("case", [""])[0]
            body = CLOSES.get(case, "none").encode()
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        elif path in WS_PATHS:
            relay(sock, head, rest)
        else:
            handle_raw_ws(sock, rest, target, headers)
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
    global WS_PORT
    WS_PORT = start_websockets()
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
