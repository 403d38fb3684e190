"""Failures: the same kind of error from both clients."""
import pytest

import libsession
from harness import Reduced, deliberate


def test_connection_refused(both):
    assert both.same(lambda c, s: s.get("http://127.0.0.1:1/")) == {"error": "connect"}


@pytest.mark.parametrize("url", [
    "http://",
    "127.0.0.1/no-scheme",
    "ftp://127.0.0.1/file",
    "file:///etc/passwd",
    "gopher://127.0.0.1/",
    "http://[::1/",
])
def test_invalid_urls(both, url):
    assert both.same(lambda c, s: s.get(url)) == {"error": "invalid_url"}


def test_timeout(both):
    assert both.same(lambda c, s: s.get(both.rig.url("/hang"), timeout=0.3)) == {"error": "timeout"}


@pytest.mark.parametrize("headers", [{"X-A": "a\r\nInjected: 1"}, {"X-A": "a\nb"}, {"X-A\r\nInjected": "v"}])
def test_header_injection_refused(both, headers):
    out = both.same(lambda c, s: s.get(both.rig.url("/echo"), headers=headers))
    assert out == {"error": "invalid_argument"}


def test_http_errors_are_responses(both):
    def action(c, s):
        r = s.get(both.httpbin.url("/status/500"))
        try:
            r.raise_for_status()
            raised = None
        except Exception as e:  # noqa: BLE001 - compared by category
            raised = c.category(e)
        return Reduced({"status": r.status_code, "ok": r.ok, "raised": raised})

    assert both.same(action)["body"] == {"status": 500, "ok": False, "raised": "http_status"}


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
@pytest.mark.parametrize("verify", ["default", "ca", "off"])
def test_tls_verification(both, verify):
    def setup(c, s):
        if verify == "ca":
            s.verify = both.rig.ca_pem
        elif verify == "off":
            s.verify = False

    out = both.same(lambda c, s: s.get(both.rig.tls_url("/echo")), setup=setup)
    assert ("error" in out) == (verify == "default")


def test_categories_cover_the_binding():
    c = __import__("harness").LibClient()
    assert c.category(libsession.ResolveError("x")) == "connect"
    assert c.category(libsession.SSLError("x")) == "tls"


@deliberate("A header name that is not an HTTP token (e.g. 'X A', 'X(A)') is refused before anything "
            "is sent (InvalidArgument); requests sends it as is.")
def test_header_name_must_be_a_token(both):
    req, lib = both(lambda c, s: s.get(both.rig.url("/echo"), headers={"X A": "v"}))
    assert lib == {"error": "invalid_argument"}
    assert req["status"] == 200  # requests sent it (the server's parser dropped the bad line)


@deliberate("HSTS (RFC 6797) is on: after `Strict-Transport-Security` from a verified https "
            "response, an http:// URL to that host is upgraded to https before anything is sent "
            "(an explicit port kept); requests has no HSTS and sends plain http, here to a TLS "
            "listener, which fails.")
def test_hsts_upgrades_a_known_host(both):
    rig = both.rig

    def setup(c, s):
        s.verify = rig.ca_pem
        s.get(rig.tls_url("/sts?v=max-age=600", host="localhost"))

    req, lib = both(lambda c, s: s.get(f"http://localhost:{rig.tls_port}/echo"), setup=setup)
    assert "error" in req
    assert lib["status"] == 200 and lib["url"] == rig.tls_url("/echo", host="localhost")
