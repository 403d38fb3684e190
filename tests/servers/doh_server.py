#!/usr/bin/env python3
"""A DNS-over-HTTPS responder (RFC 8484) on loopback, for session_set_doh_url's tests.

Listens on 127.0.0.1 with TLS (a throwaway trustme CA, not trusted by default) and answers
POST /dns-query (application/dns-message, built with dnspython): an A record 127.0.0.1 for
any name under "doh.test", no records (NOERROR) for other types there, NXDOMAIN for
everything else. A plain-HTTP listener answers GET /count with {"queries": N, "names": [...]}
(the questions received). Prints `PORT <plain>`, `TLS_PORT <tls>`, `CA_PEM <path>`, then
`READY`. Exits on stdin EOF.
"""
import json
import os
import ssl
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import trustme

from lifetime import exit_when_stdin_closes

SEEN = []
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/count":
            with LOCK:
                body = json.dumps({"queries": len(SEEN), "names": list(SEEN)}).encode()
            return self.reply(200, body, "application/json")
        self.reply(404, b"not found\n", "text/plain")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/dns-query" or self.headers.get("Content-Type") != "application/dns-message":
            return self.reply(415, b"not a DNS message\n", "text/plain")
        query = dns.message.from_wire(body)
        answer = dns.message.make_response(query)
        for question in query.question:
            name = question.name.to_text()
            with LOCK:
                SEEN.append(f"{name} {dns.rdatatype.to_text(question.rdtype)}")
            if not name.rstrip(".").endswith("doh.test"):
                answer.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype == dns.rdatatype.A:
                answer.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", "127.0.0.1"))
        self.reply(200, answer.to_wire(), "application/dns-message")


class Server(ThreadingHTTPServer):
    daemon_threads = True


def main():
    tmpdir = tempfile.mkdtemp(prefix="doh-")
    ca = trustme.CA()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    ca_pem = os.path.join(tmpdir, "ca.pem")
    ca.cert_pem.write_to_path(ca_pem)
    plain = Server(("127.0.0.1", 0), Handler)
    tls = Server(("127.0.0.1", 0), Handler)
    tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
    for s in (plain, tls):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print(f"PORT {plain.server_port}\nTLS_PORT {tls.server_port}\nCA_PEM {ca_pem}\nREADY", flush=True)
    exit_when_stdin_closes(tmpdir)


if __name__ == "__main__":
    main()
