"""Starts the test servers of this directory for the Python suites (pytest fixtures use it).

Each server runs under the current interpreter on 127.0.0.1 with ephemeral ports, prints its
`KEY value` lines, and exits when its stdin closes (Server.stop, or the test process dying).
"""
import os
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
STARTUP_TIMEOUT = 60


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
