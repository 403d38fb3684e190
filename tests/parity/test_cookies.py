"""Cookies: set by servers, sent back, set through the API, scoped, and across redirects."""
import libsession
from harness import Reduced, deliberate


def test_server_cookie_set_on_redirect_and_sent_back(both):
    cookies = both.httpbin.url("/cookies")
    out = both.same(lambda c, s: s.get(both.httpbin.url("/cookies/set"), params={"a": "1", "b": "two"}),
                    cookies_url=cookies)
    assert out["body"] == {"cookies": {"a": "1", "b": "two"}} and out["cookies"] == {"a": "1", "b": "two"}


def test_cookie_persists_across_requests(both):
    def action(c, s):
        s.get(both.httpbin.url("/cookies/set/k/v"))
        return s.get(both.httpbin.url("/cookies"))

    assert both.same(action)["body"] == {"cookies": {"k": "v"}}


def test_server_deletes_cookie(both):
    def action(c, s):
        s.get(both.httpbin.url("/cookies/set?a=1&b=2"))
        return s.get(both.httpbin.url("/cookies/delete?a"))

    out = both.same(action, cookies_url=both.httpbin.url("/"))
    assert out["body"] == {"cookies": {"b": "2"}} and out["cookies"] == {"b": "2"}


def test_cookie_set_through_api(both):
    def setup(c, s):
        s.cookies.set("api", "1", domain="127.0.0.1", path="/")

    out = both.same(lambda c, s: s.get(both.httpbin.url("/cookies")), setup=setup)
    assert out["body"] == {"cookies": {"api": "1"}}


def test_api_cookie_path_scope(both):
    def setup(c, s):
        s.cookies.set("scoped", "1", domain="127.0.0.1", path="/echo/in")

    def action(c, s):
        inside = s.get(both.rig.url("/echo/in/deeper")).json()
        outside = s.get(both.rig.url("/echo/out")).json()
        return _Pair(inside, outside)

    out = both.same(action, setup=setup)
    assert out["body"]["inside"] == "scoped=1" and out["body"]["outside"] is None


def test_server_cookie_path_scope(both):
    def action(c, s):
        s.get(both.rig.url("/cookies/set-raw"), params={"h": "p=1; Path=/echo/in"})
        return _Pair(s.get(both.rig.url("/echo/in/x")).json(), s.get(both.rig.url("/echo/x")).json())

    out = both.same(action)
    assert out["body"] == {"inside": "p=1", "outside": None}


def test_cookie_not_sent_to_other_host(both):
    def setup(c, s):
        c.map_host(s, "localhost", both.httpbin.port)
        s.get(both.httpbin.url("/cookies/set?here=1"))

    out = both.same(lambda c, s: s.get(both.httpbin.url("/cookies", host="localhost")), setup=setup)
    assert out["body"] == {"cookies": {}}


def test_cookie_not_sent_after_cross_host_redirect(both):
    def setup(c, s):
        c.map_host(s, "localhost", both.httpbin.port)
        s.get(both.httpbin.url("/cookies/set?here=1"))

    target = both.httpbin.url("/cookies", host="localhost")
    out = both.same(lambda c, s: s.get(both.httpbin.url("/redirect-to"), params={"url": target}), setup=setup)
    assert out["body"] == {"cookies": {}} and out["url"] == target


def test_cookie_from_redirect_response_sent_on_next_hop(both):
    def action(c, s):
        return s.get(both.rig.url("/cookies/set-raw"), params={"h": "hop=1; Path=/", "status": 302, "to": "/echo/after"})

    out = both.same(action, cookies_url=both.rig.url("/"))
    assert _cookie_of(out["body"]) == "hop=1" and out["cookies"] == {"hop": "1"}


def test_own_cookie_header_replaces_jar_on_first_hop_only(both):
    def setup(c, s):
        s.cookies.set("jar", "1", domain="127.0.0.1", path="/")

    def action(c, s):
        first = s.get(both.rig.url("/echo/first"), headers={"Cookie": "own=1"}).json()
        hops = s.get(both.rig.url("/redirect?to=/echo/second"), headers={"Cookie": "own=2"}).json()
        return _Pair(first, hops)

    out = both.same(action, setup=setup)
    assert out["body"] == {"inside": "own=1", "outside": "jar=1"}


def test_clear_cookies(both):
    def action(c, s):
        s.get(both.httpbin.url("/cookies/set?a=1"))
        s.cookies.clear()
        return s.get(both.httpbin.url("/cookies"))

    assert both.same(action)["body"] == {"cookies": {}}


@deliberate("A Secure cookie is sent over plain http to a loopback host (127.0.0.1, localhost), "
            "which browsers treat as a secure context; requests never sends it over http. "
            "Over http to any other host libsession does not send it either.")
def test_secure_cookie_over_http(both):
    def action(c, s):
        s.get(both.rig.url("/cookies/set-raw"), params={"h": ["sec=1; Secure", "plain=1"]})
        return s.get(both.httpbin.url("/cookies"))

    req, lib = both(action)
    assert req["body"] == {"cookies": {"plain": "1"}}
    assert lib["body"] == {"cookies": {"plain": "1", "sec": "1"}}
    with libsession.Session() as s:  # a non-loopback name: not sent over http
        s.set_resolve("plain.test", both.rig.port, "127.0.0.1")
        base = f"http://plain.test:{both.rig.port}"
        s.get(base + "/cookies/set-raw", params={"h": ["sec=1; Secure; Path=/", "plain=1; Path=/"]})
        echo = s.get(base + "/echo").json()
        assert _cookie_of(echo) == "plain=1"


def test_expired_cookie_removes_stored_one(both):
    def action(c, s):
        s.get(both.rig.url("/cookies/set-raw"), params={"h": ["x=1", "y=1"]})
        s.get(both.rig.url("/cookies/set-raw"),
              params={"h": ["x=gone; Max-Age=0", "y=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]})
        return s.get(both.httpbin.url("/cookies"))

    assert both.same(action)["body"] == {"cookies": {}}


def _cookie_of(echo):
    headers = echo["headers"]
    pairs = headers.items() if isinstance(headers, dict) else headers
    return {k.lower(): v for k, v in pairs}.get("cookie")


def _Pair(inside, outside):
    """Two rig echoes reduced to their Cookie headers."""
    return Reduced({"inside": _cookie_of(inside), "outside": _cookie_of(outside)})
