#!/usr/bin/env python3
"""Run httpbin on 127.0.0.1:<ephemeral> for the test suite.

Prints `PORT <n>` (flushed) once listening; exits when stdin reaches EOF, so the
server dies with the test process that spawned it (its end of the pipe closes).

Served by waitress, not werkzeug: werkzeug's dev server sends `Connection: close`
on every response, while waitress does real HTTP/1.1 keep-alive (and drains
unread request bodies), which the connection-reuse tests need. Waitress drops request headers whose
name contains "_" (WSGI environ ambiguity); httpbin never sees those.
"""
import logging
import threading

# Silence httpbin's "flasgger is not installed" warning (app logger, set up at
# import) and waitress' info/queue-depth chatter; real errors still reach stderr.
logging.getLogger("httpbin.core").setLevel(logging.ERROR)
logging.getLogger("waitress").setLevel(logging.ERROR)

import waitress  # noqa: E402
from httpbin import app  # noqa: E402

from lifetime import exit_when_stdin_closes  # noqa: E402


def main():
    server = waitress.create_server(
        app,
        host="127.0.0.1",
        port=0,
        threads=16,               # /delay/n and /drip hold a worker thread each
        connection_limit=1000,
        asyncore_use_poll=True,   # no FD_SETSIZE limit
        send_bytes=1,             # flush streamed chunks (/drip, /stream) at once
        ident="httpbin",          # Server: header
        clear_untrusted_proxy_headers=False,  # keep X-Forwarded-*/Forwarded visible
    )
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print(f"PORT {server.effective_port}", flush=True)
    server.run()


if __name__ == "__main__":
    main()
