"""Auth: basic and bearer, session and per request, and what happens across redirects."""
import pytest

from harness import deliberate


def test_session_basic_auth(both):
    def setup(c, s):
        s.auth = ("user", "secret")

    out = both.same(lambda c, s: s.get(both.httpbin.url("/basic-auth/user/secret")), setup=setup)
    assert out["body"] == {"authenticated": True, "user": "user"}


def test_request_basic_auth(both):
    out = both.same(lambda c, s: s.get(both.httpbin.url("/basic-auth/u/p"), auth=("u", "p")))
    assert out["status"] == 200


def test_wrong_credentials(both):
    out = both.same(lambda c, s: s.get(both.httpbin.url("/basic-auth/u/p"), auth=("u", "wrong")))
    assert out["status"] == 401


def test_request_auth_wins_over_session_auth(both):
    def setup(c, s):
        s.auth = ("session", "x")

    out = both.same(lambda c, s: s.get(both.httpbin.url("/basic-auth/req/y"), auth=("req", "y")), setup=setup)
    assert out["status"] == 200


@pytest.mark.parametrize("where", ["session", "request"])
def test_bearer(both, where):
    def setup(c, s):
        if where == "session":
            s.auth = c.bearer("tok-1")

    def action(c, s):
        kwargs = {"auth": c.bearer("tok-1")} if where == "request" else {}
        return s.get(both.httpbin.url("/bearer"), **kwargs)

    out = both.same(action, setup=setup)
    assert out["body"] == {"authenticated": True, "token": "tok-1"}


def _cross_host(both, setup, **kwargs):
    """A redirect from 127.0.0.1 to localhost (same port), echoing what the second host got."""
    def full_setup(c, s):
        c.map_host(s, "localhost", both.httpbin.port)
        if setup:
            setup(c, s)

    target = both.httpbin.url("/anything", host="localhost")
    action = lambda c, s: s.get(both.httpbin.url("/redirect-to"), params={"url": target}, **kwargs)  # noqa: E731
    return both.same(action, setup=full_setup)


def test_session_auth_stripped_on_cross_host_redirect(both):
    out = _cross_host(both, lambda c, s: setattr(s, "auth", ("u", "p")))
    assert out["body"]["url"].startswith("http://localhost:") and "authorization" not in out["body"]["headers"]


def test_request_auth_stripped_on_cross_host_redirect(both):
    out = _cross_host(both, None, auth=("u", "p"))
    assert "authorization" not in out["body"]["headers"]


def test_authorization_header_stripped_on_cross_host_redirect(both):
    out = _cross_host(both, None, headers={"Authorization": "Bearer secret"})
    assert "authorization" not in out["body"]["headers"]


def test_bearer_stripped_on_cross_host_redirect(both):
    out = _cross_host(both, lambda c, s: setattr(s, "auth", c.bearer("t")))
    assert "authorization" not in out["body"]["headers"]


def test_auth_kept_on_same_host_redirect(both):
    def setup(c, s):
        s.auth = ("u", "p")

    out = both.same(lambda c, s: s.get(both.httpbin.url("/redirect-to?url=/basic-auth/u/p")), setup=setup)
    assert out["status"] == 200


def test_auth_stripped_on_port_change(both):
    def setup(c, s):
        s.auth = ("u", "p")

    target = both.rig.url("/echo/other-port")
    out = both.same(lambda c, s: s.get(both.httpbin.url("/redirect-to"), params={"url": target}), setup=setup)
    assert "authorization" not in out["body"]["headers"]


def test_credentials_in_url(both):
    port = both.httpbin.port
    out = both.same(lambda c, s: s.get(f"http://u:p@127.0.0.1:{port}/basic-auth/u/p"))
    assert out["status"] == 200


@deliberate("A request's own Authorization header wins over the session's auth; requests lets "
            "session auth silently overwrite an explicit header.")
def test_own_authorization_header_wins_over_session_auth(both):
    def setup(c, s):
        s.auth = ("session", "x")

    req, lib = both(lambda c, s: s.get(both.httpbin.url("/headers"), headers={"Authorization": "Bearer mine"}),
                    setup=setup)
    assert lib["body"]["headers"]["authorization"] == "Bearer mine"
    assert req["body"]["headers"]["authorization"].startswith("Basic ")


@deliberate("A caller's own Proxy-Authorization header goes only to a proxy, never to the origin "
            "server (with no proxy it is dropped); requests sends it to whichever server it "
            "talks to.")
def test_proxy_authorization_header_not_sent_to_the_origin(both):
    req, lib = both(lambda c, s: s.get(both.httpbin.url("/headers"),
                                       headers={"Proxy-Authorization": "Basic bWU6c2VjcmV0"}))
    assert req["body"]["headers"]["proxy-authorization"] == "Basic bWU6c2VjcmV0"
    assert "proxy-authorization" not in lib["body"]["headers"]
