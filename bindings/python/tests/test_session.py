"""Session defaults (headers, params, auth, redirects, TLS, timeouts) and cookies."""
import base64

import pytest

import libsession


@pytest.fixture
def s():
    with libsession.Session() as session:
        yield session


def sent_headers(s, httpbin, **kwargs):
    return s.get(httpbin.url("/headers"), **kwargs).json()["headers"]


def test_default_headers_written_through(s, httpbin):
    assert s.headers["user-agent"].startswith("libsession/")
    s.headers["X-Default"] = "d"
    s.headers["X-Gone"] = "g"
    del s.headers["X-Gone"]
    s.headers["Accept"] = None  # removes libcurl's own Accept too
    got = sent_headers(s, httpbin, headers={"x-default": "mine"})
    assert got["X-Default"] == "mine"
    assert "X-Gone" not in got and "Accept" not in got
    assert got["User-Agent"] == s.headers["User-Agent"]
    s.headers = {"X-Only": "1"}
    got = sent_headers(s, httpbin)
    assert got["X-Only"] == "1" and "User-Agent" not in got and "X-Default" not in got


def test_request_header_none_removes_default(s, httpbin):
    s.headers["X-Default"] = "d"
    assert "X-Default" not in sent_headers(s, httpbin, headers={"X-Default": None})


def test_default_params(s, httpbin):
    s.params["a"] = "1"
    s.params["b"] = 2
    assert s.get(httpbin.url("/get"), params={"b": "3"}).json()["args"] == {"a": "1", "b": "3"}
    del s.params["a"]
    assert s.get(httpbin.url("/get")).json()["args"] == {"b": "2"}
    with pytest.raises(libsession.NotSupported):
        s.params["c"] = ["x", "y"]


def test_session_auth(s, httpbin):
    s.auth = ("user", "pass")
    assert s.get(httpbin.url("/basic-auth/user/pass")).json() == {"authenticated": True, "user": "user"}
    s.auth = libsession.BearerAuth("tok")
    assert s.get(httpbin.url("/bearer")).json()["token"] == "tok"
    s.auth = None
    assert s.get(httpbin.url("/bearer")).status_code == 401


def test_request_auth(s, httpbin):
    r = s.get(httpbin.url("/basic-auth/u/p"), auth=libsession.HTTPBasicAuth("u", "p"))
    assert r.status_code == 200
    got = sent_headers(s, httpbin, auth=("é", "p"))
    assert got["Authorization"] == "Basic " + base64.b64encode("é:p".encode()).decode()


def test_max_redirects(s, httpbin):
    s.max_redirects = 2
    s.get(httpbin.url("/redirect/2"))
    with pytest.raises(libsession.TooManyRedirects) as info:
        s.get(httpbin.url("/redirect/3"))
    assert info.value.response.status_code == 302 and len(info.value.response.history) == 2


def test_allow_redirects_false(s, httpbin):
    r = s.get(httpbin.url("/redirect/1"), allow_redirects=False)
    assert r.status_code == 302 and r.is_redirect and r.history == []


def test_verify(rig):
    url = rig.tls_url("/echo")
    with libsession.Session() as s:
        with pytest.raises(libsession.SSLError) as info:
            s.get(url)
        assert isinstance(info.value, libsession.ConnectionError) and info.value.code == 6
        s.verify = rig.ca_pem
        assert s.get(url).json()["method"] == "GET"
    with libsession.Session() as s:
        s.verify = False
        assert s.get(url).status_code == 200


def test_timeouts(s, rig):
    with pytest.raises(libsession.Timeout):
        s.get(rig.url("/hang"), timeout=0.3)
    s.set_timeout(total=0.3)
    with pytest.raises(libsession.Timeout):
        s.get(rig.url("/hang"))
    with pytest.raises(ValueError):
        s.get(rig.url("/hang"), timeout=0)


def test_resolve_override(s, httpbin):
    s.set_resolve("api.test", httpbin.port, "127.0.0.1")
    r = s.get(f"http://api.test:{httpbin.port}/headers")
    assert r.json()["headers"]["Host"] == f"api.test:{httpbin.port}"


def test_max_body_size(s, rig):
    s.set_max_body_size(1000)
    assert len(s.get(rig.url("/bytes/1000")).content) == 1000
    with pytest.raises(libsession.TooLarge):
        s.get(rig.url("/bytes/1001"))


def test_cookies_from_server_and_api(s, httpbin):
    s.get(httpbin.url("/cookies/set"), params={"srv": "1"})
    assert s.cookies.get("srv", domain="127.0.0.1") == "1"
    s.cookies.set("api", "2", domain="127.0.0.1", path="/cookies")
    assert s.get(httpbin.url("/cookies")).json()["cookies"] == {"srv": "1", "api": "2"}
    assert s.cookies.for_url(httpbin.url("/get")) == {"srv": "1"}  # path-scoped
    assert s.cookies.get("api", "none", domain="localhost") == "none"
    s.cookies.clear()
    assert s.cookies.header_for(httpbin.url("/cookies")) is None
    assert s.get(httpbin.url("/cookies")).json()["cookies"] == {}


def test_cookie_set_refuses_bad_input(s):
    with pytest.raises(libsession.InvalidArgument):
        s.cookies.set("a;b", "1", domain="127.0.0.1")
    with pytest.raises(libsession.InvalidArgument):
        s.cookies.set("a", "1\r\n", domain="127.0.0.1")
