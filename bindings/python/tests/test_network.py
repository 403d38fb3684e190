"""Network settings: digest auth, proxies (explicit, environment, SOCKS), CA directory,
client certificates, netrc, read timeout and retries, against the loopback servers."""
import shutil
import subprocess
import time
import uuid

import pytest

import launch
import libsession
from libsession import HTTPDigestAuth, Retry



@pytest.fixture
def s():
    with libsession.Session() as session:
        yield session


@pytest.fixture
def clean_env(monkeypatch):
    return launch.clear_proxy_env(monkeypatch)


seen = launch.proxy_seen


def through(proxy, action):
    """Runs action(); returns (its result, the proxy's entries added meanwhile)."""
    before = len(seen(proxy))
    result = action()
    return result, seen(proxy)[before:]


# digest auth

@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_session_digest_auth(s, httpbin, algorithm):
    s.auth = HTTPDigestAuth("user", "pw")
    r = s.get(httpbin.url(f"/digest-auth/auth/user/pw/{algorithm}"))
    assert r.status_code == 200 and r.json() == {"authenticated": True, "user": "user"}
    assert s.get(httpbin.url("/digest-auth/auth/user/other")).status_code == 401


def test_request_digest_auth_overrides_session_auth(s, httpbin):
    s.auth = ("user", "pw")  # basic: httpbin's digest endpoint refuses it
    assert s.get(httpbin.url("/digest-auth/auth/user/pw")).status_code == 401
    r = s.get(httpbin.url("/digest-auth/auth/user/pw"), auth=HTTPDigestAuth("user", "pw"))
    assert r.status_code == 200
    # and a request's basic auth overrides a session's digest auth
    s.auth = HTTPDigestAuth("user", "pw")
    assert s.get(httpbin.url("/basic-auth/u/p"), auth=("u", "p")).status_code == 200
    s.auth = None
    assert s.get(httpbin.url("/digest-auth/auth/user/pw")).status_code == 401


def test_digest_auth_dropped_on_cross_host_redirect(s, httpbin):
    s.set_resolve("localhost", httpbin.port, "127.0.0.1")
    s.auth = HTTPDigestAuth("user", "pw")
    target = httpbin.url("/digest-auth/auth/user/pw", host="localhost")
    r = s.get(httpbin.url("/redirect-to"), params={"url": target})
    assert [h.status_code for h in r.history] == [302]
    assert r.status_code == 401  # challenged on localhost, not answered
    same_host = httpbin.url("/digest-auth/auth/user/pw")
    assert s.get(httpbin.url("/redirect-to"), params={"url": same_host}).status_code == 200


def test_request_auth_wins_over_own_authorization_header(s, httpbin):
    r = s.get(httpbin.url("/digest-auth/auth/user/pw"), auth=HTTPDigestAuth("user", "pw"),
              headers={"Authorization": "Bearer mine"})
    assert r.status_code == 200


# proxies

def test_http_proxy_from_session(s, proxy, httpbin, clean_env):
    s.proxies = {"http": proxy.url()}
    url = httpbin.url("/get", host="origin.test")  # only the proxy resolves *.test
    r, entries = through(proxy, lambda: s.get(url))
    assert r.status_code == 200 and r.json()["headers"]["Host"] == f"origin.test:{httpbin.port}"
    assert [(e["kind"], e["target"]) for e in entries] == [("forward", url)]


def test_proxy_keys_most_specific_wins(s, proxy, httpbin, clean_env):
    s.proxies["all"] = "http://127.0.0.1:1"  # refused: used only if nothing more specific
    s.proxies["http://origin.test"] = proxy.url()
    r, entries = through(proxy, lambda: s.get(httpbin.url("/get", host="origin.test")))
    assert r.status_code == 200 and len(entries) == 1
    with pytest.raises(libsession.ProxyError):
        s.get(httpbin.url("/get", host="other.test"))
    s.proxies["http"] = ""  # direct for http, over "all"
    r, entries = through(proxy, lambda: s.get(httpbin.url("/get")))
    assert r.status_code == 200 and entries == []
    del s.proxies["http://origin.test"]
    assert "http://origin.test" not in s.proxies
    with pytest.raises(libsession.ResolveError):  # now direct: the client cannot resolve it
        s.get(httpbin.url("/get", host="origin.test"))


def test_no_proxy_key_exempts_hosts(s, proxy, httpbin, clean_env):
    s.proxies = {"http": proxy.url(), "no_proxy": ["localhost", "127.0.0.1"]}
    r, entries = through(proxy, lambda: s.get(httpbin.url("/get")))
    assert r.status_code == 200 and entries == []
    s.proxies.pop("no_proxy")
    r, entries = through(proxy, lambda: s.get(httpbin.url("/get")))
    assert r.status_code == 200 and len(entries) == 1


def test_socks5h_proxy(s, proxy, httpbin, clean_env):
    s.proxies = {"all": proxy.url().replace("http://", "socks5h://")}
    r, entries = through(proxy, lambda: s.get(httpbin.url("/get", host="origin.test")))
    assert r.status_code == 200
    assert [e["kind"] for e in entries] == ["socks5"]


def test_https_through_connect_tunnel(s, proxy, rig, clean_env):
    s.proxies = {"https": proxy.url()}
    s.verify = rig.ca_pem
    r, entries = through(proxy, lambda: s.get(rig.tls_url("/echo")))
    assert r.status_code == 200 and r.json()["method"] == "GET"
    assert [(e["kind"], e["target"]) for e in entries] == [("connect", f"127.0.0.1:{rig.tls_port}")]


def test_https_proxy_is_verified(s, httpbin, clean_env):
    tls_proxy = launch.Server("proxy_server.py", ["--tls"], last="READY")
    try:
        s.proxies = {"http": f"https://localhost:{tls_proxy.port}"}
        url = httpbin.url("/get", host="origin.test")
        with pytest.raises(libsession.ConnectionError):  # the proxy's CA is not trusted
            s.get(url)
        s.verify = tls_proxy.ca_pem
        r, entries = through(tls_proxy, lambda: s.get(url))
        assert r.status_code == 200 and [e["kind"] for e in entries] == ["forward"]
    finally:
        tls_proxy.stop()


def test_proxy_credentials(s, auth_proxy, httpbin, clean_env):
    url = httpbin.url("/get", host="origin.test")
    s.proxies = {"http": auth_proxy.url().replace("http://", "http://pu:pp@")}
    r, entries = through(auth_proxy, lambda: s.get(url))
    assert r.status_code == 200 and entries[0]["authorized"] is True
    assert "Proxy-Authorization" not in r.json()["headers"]  # the origin never sees it
    s.proxies["http"] = auth_proxy.url()
    assert s.get(url).status_code == 407  # plain http: the 407 is the response


def test_proxies_dict_writes_through(s, proxy, httpbin, clean_env):
    url = httpbin.url("/get", host="origin.test")
    s.proxies |= {"http": proxy.url()}
    assert s.get(url).status_code == 200
    s.proxies.clear()
    assert s.proxies == {}
    with pytest.raises(libsession.ResolveError):
        s.get(url)


def test_bad_proxy_values_are_refused(s):
    for key, value in [("http", "ftp://127.0.0.1:1"), ("gopher", "http://127.0.0.1:1")]:
        with pytest.raises(libsession.InvalidArgument):
            s.proxies[key] = value
        assert key not in s.proxies


def test_environment_proxies_and_trust_env(s, proxy, httpbin, clean_env):
    clean_env.setenv("http_proxy", proxy.url())
    url = httpbin.url("/get", host="origin.test")
    r, entries = through(proxy, lambda: s.get(url))
    assert s.trust_env is True and r.status_code == 200 and len(entries) == 1
    clean_env.setenv("no_proxy", "example.org,origin.test")
    with pytest.raises(libsession.ResolveError):  # exempt: direct, unresolvable
        s.get(url)
    clean_env.delenv("no_proxy")
    s.trust_env = False
    with pytest.raises(libsession.ResolveError):
        s.get(url)
    s.proxies["http"] = proxy.url()  # the session's own proxies still apply
    assert s.get(url).status_code == 200


# TLS: CA directory, client certificates

def test_ca_directory(s, rig, tmp_path):
    hashed = tmp_path / "hashed"
    hashed.mkdir()
    out = subprocess.run(["openssl", "x509", "-subject_hash", "-noout", "-in", rig.ca_pem],
                         capture_output=True, text=True, check=True)
    shutil.copy(rig.ca_pem, hashed / f"{out.stdout.strip()}.0")
    s.verify = str(hashed)
    assert s.get(rig.tls_url("/echo")).status_code == 200
    empty = tmp_path / "empty"
    empty.mkdir()
    with libsession.Session() as other:
        other.verify = str(empty)
        with pytest.raises(libsession.SSLError):
            other.get(rig.tls_url("/echo"))


def test_client_certificate(rig):
    url = f"https://127.0.0.1:{rig.info['MTLS_PORT']}/echo"
    cert, key = rig.info["CLIENT_CERT"], rig.info["CLIENT_KEY"]
    with libsession.Session() as s:
        s.verify = rig.ca_pem
        # the server requires one; with TLS 1.3 its refusal may come after the handshake,
        # as a TLS alert or a broken connection (SSLError is a ConnectionError)
        with pytest.raises(libsession.ConnectionError):
            s.get(url)
    with libsession.Session() as s:
        s.verify = rig.ca_pem
        s.cert = (cert, key, "secret")
        assert s.get(url).status_code == 200
    with libsession.Session() as s:
        s.verify = rig.ca_pem
        s.cert = (cert, key, "wrong")
        with pytest.raises(libsession.SSLError):
            s.get(url)
    with pytest.raises(TypeError):
        libsession.Session().cert = (cert,)


# netrc

def test_netrc_only_when_enabled(s, httpbin, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login nu password np\n")
    url = httpbin.url("/basic-auth/nu/np")
    assert s.get(url).status_code == 401
    s.netrc = str(netrc)
    assert s.get(url).status_code == 200
    s.netrc = False
    assert s.get(url).status_code == 401


# timeouts

def test_read_timeout_from_timeout_pair(s, rig):
    start = time.monotonic()
    with pytest.raises(libsession.Timeout):
        s.get(rig.url("/hang"), timeout=(5, 1))
    assert time.monotonic() - start < 5.5  # the read timeout (1 s, whole seconds), not 5 + 1
    r = s.get(rig.url("/bytes/10"), timeout=(5, 1))  # a pair is no total deadline
    assert r.content == bytes(range(10))


def test_timeout_pair_is_no_total_deadline(s, httpbin):
    # 4 bytes over 2 s: never idle for the 1 s read timeout, though longer than 0.5 + 1 s
    r = s.get(httpbin.url("/drip"), params={"duration": 2, "numbytes": 4, "delay": 0}, timeout=(0.5, 1))
    assert r.status_code == 200 and r.content == b"****"
    with pytest.raises(libsession.Timeout):  # a number still is a total deadline
        s.get(httpbin.url("/drip"), params={"duration": 2, "numbytes": 4, "delay": 0}, timeout=1.5)


def test_session_read_timeout(s, rig):
    s.set_timeout(connect=5, read=1)
    start = time.monotonic()
    with pytest.raises(libsession.Timeout):
        s.get(rig.url("/hang"))
    assert time.monotonic() - start < 30  # /hang lasts 60 s


# retries

def flaky(rig, **params):
    key = uuid.uuid4().hex
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return rig.url(f"/flaky?key={key}&{query}"), rig.url(f"/attempts?key={key}")


def attempts(s, url):
    return s.get(url).json()["attempts"]


def test_retries_on_status(rig):
    with libsession.Session(retries=Retry(total=2, status_forcelist=[503])) as s:
        url, count = flaky(rig, fail=2)
        r = s.get(url)
        assert r.status_code == 200 and attempts(s, count) == 3
        url, count = flaky(rig, fail=5)
        assert s.get(url).status_code == 503 and attempts(s, count) == 3  # the last response
        url, count = flaky(rig, fail=5)
        assert s.post(url).status_code == 503 and attempts(s, count) == 1  # POST not allowed
        url, count = flaky(rig, fail=5)
        assert s.get(url, retries=0).status_code == 503 and attempts(s, count) == 1
        url, count = flaky(rig, fail=1)
        assert s.get(url, retries=Retry(1, status_forcelist=[503])).status_code == 200
        with pytest.raises(libsession.NotSupported):  # only the total is per request
            s.get(url, retries=Retry(1, status_forcelist=[502]))


def test_retry_allowed_methods_and_retry_after(rig):
    with libsession.Session() as s:
        assert s.retries.total == 0
        url, count = flaky(rig, fail=1, status=429, retry_after=0)
        assert s.get(url).status_code == 429 and attempts(s, count) == 1  # no retries by default
        s.retries = Retry(1, allowed_methods=["post"])
        url, count = flaky(rig, fail=1, status=429, retry_after=0)  # Retry-After: retried unlisted
        assert s.post(url).status_code == 200 and attempts(s, count) == 2
        url, count = flaky(rig, fail=1, status=429, retry_after=0)
        assert s.get(url).status_code == 429 and attempts(s, count) == 1  # GET not allowed now
        s.retries = 1
        assert s.retries.allowed_methods == tuple(sorted(libsession.network.DEFAULT_ALLOWED_METHODS))
    with pytest.raises(ValueError):
        Retry(-1)
    with pytest.raises(libsession.InvalidArgument):
        libsession.Session(retries=Retry(1, status_forcelist=[42]))


def test_retries_on_connection_failure_waits_backoff():
    with libsession.Session(retries=Retry(total=2, backoff_factor=0.2)) as s:
        start = time.monotonic()
        with pytest.raises(libsession.ConnectionError):
            s.get("http://127.0.0.1:1/")
        # waits 0.2 and 0.4 s, each jittered down to half at most: at least 0.3 s
        assert time.monotonic() - start >= 0.3


def test_per_request_proxies_not_supported(s, httpbin):
    with pytest.raises(libsession.NotSupported):
        s.get(httpbin.url("/get"), proxies={"http": "http://127.0.0.1:1"})
