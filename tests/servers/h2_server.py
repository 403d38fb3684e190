#!/usr/bin/env python3
"""HTTP/2 test server: hypercorn serving a tiny ASGI app on 127.0.0.1.

Two listeners on ephemeral ports: `PORT` (cleartext: HTTP/1.1, and h2c with prior
knowledge or Upgrade) and `TLS_PORT` (TLS with ALPN h2 and http/1.1, certificate from a
throwaway trustme CA written to `CA_PEM`). Prints those lines, then `READY`; exits on
stdin EOF.

Endpoints:
  /bytes/<n>   n bytes, byte i = i % 251
  anything else: JSON {"http_version", "method", "path", "headers"}
"""
import asyncio
import json
import os
import socket
import tempfile
import threading

import trustme
from hypercorn.asyncio import serve
from hypercorn.config import Config

from lifetime import exit_when_stdin_closes

PATTERN = bytes(range(251)) * 64


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    while (await receive()).get("more_body"):
        pass
    path = scope["path"]
    if path.startswith("/bytes/") and path[7:].isdigit():
        n = int(path[7:])
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/octet-stream"),
                                (b"content-length", str(n).encode())]})
        while n > 0:
            chunk = PATTERN[:n]
            n -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": n > 0})
        return
    body = json.dumps({
        "http_version": scope["http_version"],
        "method": scope["method"],
        "path": path,
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
    }).encode() + b"\n"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def listener():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def main():
    tmpdir = tempfile.mkdtemp(prefix="h2-tls-")
    ca = trustme.CA()
    pem = os.path.join(tmpdir, "server.pem")
    ca.issue_cert("127.0.0.1", "localhost").private_key_and_cert_chain_pem.write_to_path(pem)
    ca_pem = os.path.join(tmpdir, "ca.pem")
    ca.cert_pem.write_to_path(ca_pem)

    plain, tls = listener(), listener()
    config = Config()
    config.insecure_bind = [f"fd://{plain.fileno()}"]
    config.bind = [f"fd://{tls.fileno()}"]
    config.certfile = config.keyfile = pem
    config.alpn_protocols = ["h2", "http/1.1"]
    config.accesslog = config.errorlog = None

    threading.Thread(target=exit_when_stdin_closes, args=(tmpdir,), daemon=True).start()
    print(f"PORT {plain.getsockname()[1]}\nTLS_PORT {tls.getsockname()[1]}\nCA_PEM {ca_pem}\nREADY", flush=True)
    asyncio.run(serve(app, config))


if __name__ == "__main__":
    main()
