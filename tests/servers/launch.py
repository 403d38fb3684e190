"""Starts the test servers of this directory for the Python suites (pytest fixtures use it).

Each server runs under the current interpreter on 127.0.0.1 with ephemeral ports, prints its
`KEY value` lines, and exits when its stdin closes (Server.stop, or the test process dying).
"""
import http.client
import json
import os
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
STARTUP_TIMEOUT = 60
# The variables libsession's trust_env and requests read for proxies.
PROXY_ENV = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
             "no_proxy", "NO_PROXY")


class Server:
    def __init__(self, script, args=(), last="PORT"):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, script), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self.info = {}
        done = threading.Event()

        def read():
            for line in self.proc.stdout:
                key, _, value = line.strip().partition(" ")
                self.info[key] = value
                if key == last:
                    break
            done.set()

        threading.Thread(target=read, daemon=True).start()
        if not done.wait(STARTUP_TIMEOUT) or last not in self.info:
            self.stop()
            raise RuntimeError(f"{script} did not start (got {self.info})")
        self.port = int(self.info["PORT"])
        self.tls_port = int(self.info["TLS_PORT"]) if "TLS_PORT" in self.info else None
        self.ca_pem = self.info.get("CA_PEM")

    def url(self, path="", host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def tls_url(self, path="", host="127.0.0.1"):
        return f"https://{host}:{self.tls_port}{path}"

    def stop(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def httpbin():
    return Server("httpbin_server.py")


def rig(tls=False):
    return Server("rig_server.py", ["--tls"] if tls else [], last="READY")


def clear_proxy_env(monkeypatch):
    """Removes every proxy variable for one test (cargo test sets NO_PROXY)."""
    for var in PROXY_ENV:
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def proxy_seen(proxy):
    """What a proxy_server.py has handled so far (its /stats)."""
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    try:
        conn.request("GET", "/stats")
        return json.loads(conn.getresponse().read())["seen"]
    finally:
        conn.close()
