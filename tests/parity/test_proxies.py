"""Proxies: the session's proxies dict, environment proxies with trust_env on and off,
NO_PROXY, proxy credentials and CONNECT tunnels, through tests/servers/proxy_server.py.

Targets are named *.test, which only the proxy resolves (to 127.0.0.1): a response proves the
request went through the proxy, a resolve failure that it went direct. The proxy's /stats
shows what each client sent it."""
import pytest

import launch

from harness import Reduced, deliberate, outcome



@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """No proxy variables but the ones a scenario sets (cargo test sets NO_PROXY)."""
    return launch.clear_proxy_env(monkeypatch)


seen = launch.proxy_seen


def via(proxy, get):
    """An action running get(c, s) and reporting the response and what the proxy saw."""
    def action(c, s):
        before = len(seen(proxy))
        r = get(c, s)
        entries = [[e["kind"], e["target"], e.get("authorized")] for e in seen(proxy)[before:]]
        return Reduced({"response": outcome(r), "proxy": entries})
    return action


def origin(both, path="/get"):
    return both.httpbin.url(path, host="origin.test")


@pytest.mark.parametrize("key", ["http", "all", "http://origin.test", "all://origin.test"])
def test_session_proxy_keys(both, proxy, key):
    def setup(c, s):
        s.proxies = {key: proxy.url()}

    out = both.same(via(proxy, lambda c, s: s.get(origin(both))), setup=setup)
    assert out["body"]["proxy"] == [["forward", origin(both), True]]
    assert out["body"]["response"]["body"]["headers"]["host"] == f"origin.test:{both.httpbin.port}"


def test_more_specific_proxy_key_wins(both, proxy):
    def setup(c, s):
        s.proxies = {"all": "http://127.0.0.1:1", "http://origin.test": proxy.url()}

    out = both.same(via(proxy, lambda c, s: s.get(origin(both))), setup=setup)
    assert out["body"]["response"]["status"] == 200
    assert both.same(lambda c, s: s.get(both.httpbin.url("/get", host="other.test")), setup=setup) == {
        "error": "proxy"}


def test_unreachable_proxy(both):
    def setup(c, s):
        s.proxies = {"http": "http://127.0.0.1:1"}

    assert both.same(lambda c, s: s.get(origin(both)), setup=setup) == {"error": "proxy"}


def test_proxy_credentials(both, auth_proxy):
    def setup(c, s):
        s.proxies = {"http": auth_proxy.url().replace("http://", "http://pu:pp@")}

    out = both.same(via(auth_proxy, lambda c, s: s.get(origin(both), headers={"X-Seen": "1"})),
                    setup=setup)
    assert out["body"]["proxy"] == [["forward", origin(both), True]]
    assert "proxy-authorization" not in out["body"]["response"]["body"]["headers"]


def test_proxy_requires_credentials_407(both, auth_proxy):
    def setup(c, s):
        s.proxies = {"http": auth_proxy.url()}

    out = both.same(via(auth_proxy, lambda c, s: s.get(origin(both))), setup=setup)
    assert out["body"]["response"]["status"] == 407


def test_https_through_connect_tunnel(both, proxy):
    def setup(c, s):
        s.proxies = {"https": proxy.url()}
        s.verify = both.rig.ca_pem

    out = both.same(via(proxy, lambda c, s: s.get(both.rig.tls_url("/echo"))), setup=setup)
    assert out["body"]["proxy"] == [["connect", f"127.0.0.1:{both.rig.tls_port}", True]]


@pytest.mark.parametrize("trust_env", [True, False])
@pytest.mark.parametrize("var", ["http_proxy", "HTTP_PROXY", "all_proxy"])
def test_environment_proxy(both, proxy, clean_env, var, trust_env):
    clean_env.setenv(var, proxy.url())

    def setup(c, s):
        s.trust_env = trust_env

    out = both.same(via(proxy, lambda c, s: s.get(origin(both))), setup=setup)
    assert ("error" not in out) == trust_env


@deliberate("Session.proxies win over environment proxies; requests lets an environment proxy "
            "override a Session.proxies entry of the same scheme (psf/requests#2018).")
def test_session_proxy_wins_over_environment(both, proxy, clean_env):
    clean_env.setenv("http_proxy", "http://127.0.0.1:1")  # refused

    def setup(c, s):
        s.trust_env = True
        s.proxies = {"http": proxy.url()}

    req, lib = both(via(proxy, lambda c, s: s.get(origin(both))), setup=setup)
    assert lib["body"]["proxy"] == [["forward", origin(both), True]]
    assert req == {"error": "proxy"}


@pytest.mark.parametrize("no_proxy, exempt", [
    ("origin.test", True), (".test", True), ("example.org, origin.test", True), ("*", True),
    ("other.test", False), ("rigin.test", False),
])
def test_environment_no_proxy(both, proxy, clean_env, no_proxy, exempt):
    clean_env.setenv("http_proxy", proxy.url())
    clean_env.setenv("NO_PROXY", no_proxy)

    def setup(c, s):
        s.trust_env = True

    out = both.same(via(proxy, lambda c, s: s.get(origin(both))), setup=setup)
    assert ("error" in out) == exempt  # exempt: direct, and only the proxy resolves *.test


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "127.0.0.0/8"])
def test_environment_no_proxy_addresses(both, proxy, clean_env, no_proxy):
    clean_env.setenv("http_proxy", proxy.url())
    clean_env.setenv("no_proxy", no_proxy)

    def setup(c, s):
        s.trust_env = True

    out = both.same(via(proxy, lambda c, s: s.get(both.httpbin.url("/get"))), setup=setup)
    assert out["body"]["proxy"] == []


@deliberate("NO_PROXY (environment or the proxies dict's 'no_proxy' key) exempts hosts from every "
            "proxy, the session's own proxies included; requests applies it to environment "
            "proxies only and sends to an explicitly set proxy regardless.")
@pytest.mark.parametrize("where", ["key", "environment"])
def test_no_proxy_exempts_from_session_proxies(both, proxy, clean_env, where):
    if where == "environment":
        clean_env.setenv("NO_PROXY", "127.0.0.1")

    def setup(c, s):
        s.trust_env = True
        s.proxies = {"http": proxy.url(), **({"no_proxy": "127.0.0.1"} if where == "key" else {})}

    req, lib = both(via(proxy, lambda c, s: s.get(both.httpbin.url("/get"))), setup=setup)
    assert lib["body"]["proxy"] == [] and lib["body"]["response"]["status"] == 200
    assert req["body"]["proxy"] == [["forward", both.httpbin.url("/get"), True]]


@deliberate("A NO_PROXY entry 'IP:port' exempts that address and port; requests ignores a port "
            "on an IP address entry (it matches 'host:port' only for names) and uses the proxy.")
def test_no_proxy_address_with_port(both, proxy, clean_env):
    clean_env.setenv("http_proxy", proxy.url())
    clean_env.setenv("no_proxy", f"127.0.0.1:{both.httpbin.port}")

    def setup(c, s):
        s.trust_env = True

    req, lib = both(via(proxy, lambda c, s: s.get(both.httpbin.url("/get"))), setup=setup)
    assert lib["body"]["proxy"] == [] and lib["body"]["response"]["status"] == 200
    assert req["body"]["proxy"] == [["forward", both.httpbin.url("/get"), True]]


# trust_env also decides whether requests reads ~/.netrc

def _home_netrc(both, clean_env, tmp_path):
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login nu password np\n")
    netrc.chmod(0o600)
    clean_env.setenv("HOME", str(tmp_path))
    clean_env.delenv("NETRC", raising=False)
    return both.httpbin.url("/basic-auth/nu/np")


def test_netrc_enabled(both, clean_env, tmp_path):
    url = _home_netrc(both, clean_env, tmp_path)

    def setup(c, s):
        s.trust_env = True
        if c.name == "libsession":
            s.netrc = True  # $HOME/.netrc

    assert both.same(lambda c, s: s.get(url), setup=setup)["status"] == 200


@deliberate("~/.netrc is read only when asked for (Session.netrc = True or a path); requests reads "
            "it whenever trust_env is on (the default).")
def test_netrc_not_read_by_default(both, clean_env, tmp_path):
    url = _home_netrc(both, clean_env, tmp_path)

    def setup(c, s):
        s.trust_env = True

    req, lib = both(lambda c, s: s.get(url), setup=setup)
    assert lib["status"] == 401 and req["status"] == 200


@pytest.fixture(scope="module")
def tls_proxy():
    import launch  # tests/servers, on sys.path through harness

    server = launch.Server("proxy_server.py", ["--tls"], last="READY")
    yield server
    server.stop()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_https_proxy_trusted(both, tls_proxy):
    """Same outcome; requests does not check the proxy's certificate here either (see below)."""
    def setup(c, s):
        s.proxies = {"http": f"https://localhost:{tls_proxy.port}"}
        s.verify = tls_proxy.ca_pem

    out = both.same(via(tls_proxy, lambda c, s: s.get(origin(both))), setup=setup)
    assert out["body"]["proxy"] == [["forward", origin(both), True]]


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
@deliberate("An https:// proxy's certificate is verified (as `verify` says) for every request; "
            "requests does not verify it when the request URL is http:// (urllib3 gets "
            "CERT_NONE for http URLs), so an untrusted proxy sees the traffic.")
def test_https_proxy_untrusted(both, tls_proxy):
    def setup(c, s):
        s.proxies = {"http": f"https://localhost:{tls_proxy.port}"}

    req, lib = both(via(tls_proxy, lambda c, s: s.get(origin(both))), setup=setup)
    assert lib == {"error": "tls"}
    assert req["body"]["proxy"] == [["forward", origin(both), True]]
