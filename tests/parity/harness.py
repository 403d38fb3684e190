"""Parity harness (used by conftest.py and the scenarios): every scenario runs once through
requests.Session and once through the libsession binding, against the same local servers, and
the normalized outcomes are compared.

A scenario is a test taking the `both` fixture (conftest.py). Where libsession deliberately
differs, the test is decorated with @deliberate(reason) and asserts both sides' exact
behaviour; where it does not match yet, with @gap(reason). Both lists are printed at the end of
the run and kept in docs/parity.md (test_docs.py checks).
"""
import json
import os
import sys

import requests
import requests.adapters
import requests.auth
import requests.cookies
import urllib3

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.dont_write_bytecode = True  # keep tests/servers and the package free of __pycache__
sys.path.insert(0, os.path.join(ROOT, "tests", "servers"))
from checkout_fixtures import use_checkout  # noqa: E402

use_checkout(ROOT)
import libsession  # noqa: E402

# Headers whose defaults differ by design (client identity, compression, keep-alive):
# dropped from the comparison unless a scenario sets them.
DEFAULT_DIFFERING = ("user-agent", "accept-encoding", "connection")

DIFFERENCES = {}  # test name -> reason
GAPS = {}  # test name -> what libsession does not match yet (not deliberate)


def deliberate(reason):
    """Marks a scenario where libsession deliberately differs from requests."""

    def mark(fn):
        DIFFERENCES[fn.__name__] = reason
        fn.deliberate_difference = reason
        return fn

    return mark


def gap(reason):
    """Marks a scenario where libsession does not match requests yet and is not meant to
    differ: the test asserts today's behaviour so that fixing it shows up here."""

    def mark(fn):
        GAPS[fn.__name__] = reason
        return fn

    return mark


CLOSED = set()  # gap scenarios where libsession now behaves like requests


def check_gap(lib_value, today, fixed):
    """In a @gap scenario: libsession's value is today's (the documented gap) or `fixed` (what
    requests does); a closed gap is reported at the end rather than failing the merge of its fix."""
    if lib_value == fixed:
        CLOSED.add(sys._getframe(1).f_code.co_name)
        return
    assert lib_value == today


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


class RequestsClient:
    name = "requests"

    def session(self):
        s = requests.Session()
        s.trust_env = False  # no proxies or .netrc from the environment
        return s

    def map_host(self, s, host, port):
        pass  # "localhost" resolves to 127.0.0.1 on its own

    def bearer(self, token):
        return _Bearer(token)

    def digest(self, user, password):
        return requests.auth.HTTPDigestAuth(user, password)

    def set_retries(self, s, **retry):
        """urllib3's Retry on an HTTPAdapter mounted for http:// (requests' way)."""
        s.mount("http://", requests.adapters.HTTPAdapter(max_retries=urllib3.Retry(**retry)))

    def cookies_for(self, s, url):
        header = requests.cookies.get_cookie_header(s.cookies, requests.Request("GET", url).prepare())
        return _cookie_dict(header)

    def category(self, e):
        x = requests.exceptions
        for cls, name in [
            (x.TooManyRedirects, "too_many_redirects"), (x.Timeout, "timeout"), (x.SSLError, "tls"),
            (x.ProxyError, "proxy"), (x.RetryError, "retries_exhausted"), (x.ConnectionError, "connect"), (x.HTTPError, "http_status"),
            ((x.MissingSchema, x.InvalidSchema, x.InvalidURL), "invalid_url"),
            ((x.InvalidHeader, ValueError), "invalid_argument"),
        ]:
            if isinstance(e, cls):
                return name
        raise e


class LibClient:
    name = "libsession"

    def session(self):
        return libsession.Session()

    def map_host(self, s, host, port):
        s.set_resolve(host, port, "127.0.0.1")

    def bearer(self, token):
        return libsession.BearerAuth(token)

    def digest(self, user, password):
        return libsession.HTTPDigestAuth(user, password)

    def set_retries(self, s, raise_on_status=None, **retry):
        """Session(retries=Retry(...)); libsession never raises on exhausted status retries."""
        s.retries = libsession.Retry(**retry)

    def cookies_for(self, s, url):
        return s.cookies.for_url(url)

    def category(self, e):
        for cls, name in [
            (libsession.TooManyRedirects, "too_many_redirects"), (libsession.Timeout, "timeout"),
            (libsession.SSLError, "tls"), (libsession.ProxyError, "proxy"),
            (libsession.ConnectionError, "connect"), (libsession.HTTPError, "http_status"),
            (libsession.InvalidURL, "invalid_url"), (libsession.InvalidArgument, "invalid_argument"),
        ]:
            if isinstance(e, cls):
                return name
        raise e


CLIENTS = (RequestsClient(), LibClient())


def _cookie_dict(header):
    if not header:
        return {}
    return dict(pair.split("=", 1) for pair in header.split("; "))


def normalize_headers(headers, keep=()):
    """A {lower-name: value} dict, without the default-differing headers unless kept."""
    pairs = headers.items() if isinstance(headers, dict) else headers
    keep = {k.lower() for k in keep}
    return {k.lower(): v for k, v in pairs if k.lower() not in DEFAULT_DIFFERING or k.lower() in keep}


def drop_empty_length(out):
    """Removes an echoed "Content-Length: 0" (see test_bodiless_put_content_length)."""
    headers = out.get("body", {}).get("headers", {})
    if headers.get("content-length") == "0":
        del headers["content-length"]
    return out


def outcome(r, keep=()):
    """What a scenario compares: status, final URL, history, Location, the echoed request."""
    out = {
        "status": r.status_code,
        "reason": r.reason,
        "url": r.url,
        "history": [(h.status_code, h.url) for h in r.history],
    }
    if "location" in r.headers:
        out["location"] = r.headers["location"]
    if r.content and r.headers.get("content-type", "").startswith("application/json"):
        body = json.loads(r.content)
        if isinstance(body, dict) and "headers" in body:
            body["headers"] = normalize_headers(body["headers"], keep)
        out["body"] = body
    elif r.content:
        out["body_bytes"] = r.content
    return out


class Reduced:
    """A response-like value for scenarios that compare something computed from responses:
    its JSON body is `value`."""

    status_code, reason, url, history = 200, "OK", "", []

    def __init__(self, value):
        self.headers = {"content-type": "application/json"}
        self.content = json.dumps(value).encode()


class Both:
    def __init__(self, httpbin, rig):
        self.httpbin, self.rig = httpbin, rig

    def __call__(self, action, setup=None, keep=(), cookies_url=None):
        """Runs `action(c, s)` (returning a response) for each client on a fresh session
        (after `setup(c, s)`); returns (requests outcome, libsession outcome)."""
        results = []
        for c in CLIENTS:
            s = c.session()
            try:
                if setup:
                    setup(c, s)
                try:
                    res = outcome(action(c, s), keep)
                except Exception as e:  # noqa: BLE001 - categorised or re-raised
                    res = {"error": c.category(e)}
                    resp = getattr(e, "response", None)
                    if resp is not None:
                        res["response"] = {"status": resp.status_code, "url": resp.url}
                if cookies_url:
                    res["cookies"] = c.cookies_for(s, cookies_url)
                results.append(res)
            finally:
                s.close()
        return tuple(results)

    def same(self, action, **kwargs):
        """Asserts both clients give the same outcome; returns it."""
        req, lib = self(action, **kwargs)
        assert lib == req
        return lib
