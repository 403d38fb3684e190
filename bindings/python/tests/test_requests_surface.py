"""requests' surface (issue 21): the live cookie mapping over the C jar, every header function
reachable from Python, the library found without LIBSESSION_LIBRARY, batches and futures."""
import os
import re
import subprocess
import sys

import pytest

import libsession
from libsession import _native

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PACKAGE_DIR = os.path.join(ROOT, "bindings", "python")

# Header functions deliberately without a Python entry point of their own; each is used by the
# binding internally (so the test below still demands a DECLARATIONS line for it).
INTERNAL_ONLY = {
    # The shortcuts: Session.get/post/... go through session_send with a request builder,
    # which also carries params, headers and auth.
    "session_get", "session_head", "session_delete", "session_post", "session_put", "session_patch",
    # session_send_async_cb is what Session.request_async uses (a Future's done callback);
    # the plain form adds nothing a Python caller can see.
    "session_send_async",
    # Response.headers copies every header through session_response_header_at when the
    # response arrives; the single case-insensitive lookup reads the same data.
    "session_response_header",
    # Session.ws_connect uses session_ws_connect_response, which also gives the handshake's
    # response (WebSocket.response, UpgradeRefused.response); the plain form gives less.
    "session_ws_connect",
}


def header_functions():
    with open(os.path.join(ROOT, "include", "session.h")) as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return sorted(set(re.findall(r"\b(session_[a-z0-9_]+)\s*\(", text)) - {"session_t"})


def binding_sources():
    pkg = os.path.join(PACKAGE_DIR, "libsession")
    return "".join(open(os.path.join(pkg, n)).read() for n in sorted(os.listdir(pkg)) if n.endswith(".py"))


def test_every_header_function_is_declared_and_used():
    functions = header_functions()
    assert len(functions) > 80, functions
    undeclared = [f for f in functions if f not in _native.DECLARATIONS]
    assert undeclared == [], f"header functions without a ctypes declaration in _native.py: {undeclared}"
    source = binding_sources().replace('"session_', "@session_")  # declarations don't count as use
    for name in _native.DECLARATIONS:
        source = source.replace(f'@{name}": (', "")
    unused = [f for f in functions if f not in INTERNAL_ONLY and not re.search(rf"\b{f}\b", source)]
    assert unused == [], f"header functions no Python API reaches (add one or list it in INTERNAL_ONLY): {unused}"


def test_every_declared_function_is_exported():
    native = _native.lib()
    assert [n for n in _native.DECLARATIONS if not native.has(n)] == []


@pytest.fixture
def s():
    with libsession.Session() as session:
        yield session


def test_cookies_are_a_live_mapping_over_the_c_jar(s, httpbin):
    # set from C: seen from Python at once
    assert _native.lib().session_cookie_set(s._ptr, b"fromc", b"1", b"127.0.0.1", None) == 0
    assert dict(s.cookies) == {"fromc": "1"}
    s.get(httpbin.url("/cookies/set?token=abc"))
    assert s.cookies["token"] == "abc" and s.cookies.get("token") == "abc"
    assert sorted(s.cookies.keys()) == ["fromc", "token"] and len(s.cookies) == 2
    assert "token" in s.cookies and "nope" not in s.cookies and s.cookies.get("nope", "d") == "d"
    assert s.cookies.get_dict() == {"fromc": "1", "token": "abc"}
    assert s.cookies.list_domains() == ["127.0.0.1"]
    del s.cookies["fromc"]
    assert _native.take_string(_native.lib().session_cookie_get(s._ptr, httpbin.url("/").encode(), b"fromc")) is None
    s.cookies.set("token", None)
    assert not s.cookies and dict(s.cookies) == {}
    with pytest.raises(KeyError):
        s.cookies["token"]


def test_cookie_conflicts_domains_and_clear(s, httpbin):
    s.cookies.set("x", "1", domain="a.example")
    s.cookies.set("x", "2", domain=".b.example", path="/p")
    with pytest.raises(libsession.CookieConflictError):
        s.cookies.get("x")
    try:
        import requests.cookies
        assert issubclass(libsession.CookieConflictError, requests.cookies.CookieConflictError)
    except ImportError:
        pass
    assert s.cookies.get("x", domain="a.example") == "1" and s.cookies.get("x", path="/p") == "2"
    assert s.cookies.get_dict(domain="b.example") == {"x": "2"}
    assert s.cookies.list_domains() == ["a.example", ".b.example"]
    copy = s.cookies.copy()
    assert sorted(c.value for c in copy) == ["1", "2"]
    s.cookies.clear(domain="a.example")
    assert s.cookies.items() == [("x", "2")]
    s.cookies.update({"y": "3"})
    assert s.cookies.get("y") == "3"
    s.cookies.clear()
    assert len(s.cookies) == 0


def test_a_cookie_without_domain_goes_to_every_host(s, httpbin):
    s.cookies["any"] = "v"
    assert s.get(httpbin.url("/cookies")).json()["cookies"] == {"any": "v"}
    assert s.get(httpbin.url("/cookies", host="localhost")).json()["cookies"] == {"any": "v"}
    assert dict(s.cookies) == {"any": "v"}  # shown once, not per host
    del s.cookies["any"]
    assert s.get(httpbin.url("/cookies")).json()["cookies"] == {}


def test_cookie_save_load_and_limits(s, tmp_path):
    s.cookies.set("p", "1", domain="example.com", expires=4102444800)
    s.cookies.set("q", "2", domain="example.com")
    path = tmp_path / "jar.txt"
    s.cookies.save(path, format="netscape", include_session_cookies=True)
    s.cookies.set_limits(10, 100)
    with libsession.Session() as t:
        t.cookies.load(path, format="netscape")
        assert t.cookies.get_dict() == {"p": "1", "q": "2"}


def test_requests_exceptions_are_caught_by_requests_names(httpbin):
    requests = pytest.importorskip("requests")
    with pytest.raises(requests.exceptions.ConnectionError):
        libsession.get("http://127.0.0.1:1/")
    with pytest.raises(requests.exceptions.MissingSchema):
        libsession.get("no-scheme")
    with pytest.raises(requests.exceptions.InvalidSchema):
        libsession.get("ftp://127.0.0.1/")
    with pytest.raises(requests.exceptions.HTTPError):
        libsession.get(httpbin.url("/status/404")).raise_for_status()


def test_send_all_futures_hooks_and_timings(s, httpbin):
    seen = []
    s.set_response_hook(lambda r: seen.append(r.status_code))
    out = s.send_all([("GET", httpbin.url("/get"), {"params": {"i": i}}) for i in range(3)]
                     + [{"method": "GET", "url": "http://127.0.0.1:1/"}])
    assert [r.json()["args"]["i"] for r in out[:3]] == ["0", "1", "2"]
    assert isinstance(out[3], libsession.ConnectionError)
    done = []
    future = s.request_async("GET", httpbin.url("/get"), params={"a": "1"})
    future.add_done_callback(lambda f: done.append(True))
    assert future.result(timeout=30).json()["args"] == {"a": "1"} and future.done()
    assert done == [True] and s.completion_fd() >= 0
    assert seen.count(200) >= 4
    r = s.get(httpbin.url("/get"))
    assert set(r.timings) == {"dns", "connect", "tls", "first_byte", "total", "reused"}


def test_streams_uploads_downloads_and_trace(s, httpbin, tmp_path):
    trace = []
    s.set_debug(lambda kind, data: trace.append(kind))
    chunks = []
    r = s.post(httpbin.url("/post"), data=iter([b"ab", b"cd"]), stream_to=chunks.append,
               progress=lambda *a: False)
    assert r.content == b"" and b'"data": "abcd"' in b"".join(chunks)
    src = tmp_path / "body"
    src.write_bytes(b"filebody")
    out = tmp_path / "out"
    s.put(httpbin.url("/put"), data=src, output_file=out)
    assert b"filebody" in out.read_bytes()
    r = s.post(httpbin.url("/post"), files={"f": ("n.txt", b"xyz", "text/plain"), "g": src})
    assert r.json()["files"] == {"f": "xyz", "g": "filebody"}
    assert 2 in trace  # header out
    s.http_version = "1.1"
    s.user_agent = "ua/1"
    assert s.get(httpbin.url("/headers"), http_version="1.1").json()["headers"]["User-Agent"] == "ua/1"
    s.set_pool_limits(4, 8)
    s.set_pool_idle_timeout(30)
    s.set_max_header_bytes(64 * 1024)


def test_library_found_without_env_var(tmp_path):
    """A checkout's target/release is found with no LIBSESSION_LIBRARY (the README flow):
    a copy of the package in a checkout-shaped tree whose target/release holds the library."""
    import shutil

    checkout = tmp_path / "checkout"
    (checkout / "include").mkdir(parents=True)
    (checkout / "include" / "session.h").write_text("/* marks a checkout */\n")
    shutil.copytree(os.path.join(PACKAGE_DIR, "libsession"), checkout / "bindings" / "python" / "libsession",
                    ignore=shutil.ignore_patterns("_build_info.py", "*.so*", "__pycache__"))
    release = checkout / "target" / "release"
    release.mkdir(parents=True)
    os.symlink(os.path.realpath(_native.lib().path), release / "libsession.so")
    env = {k: v for k, v in os.environ.items() if k not in ("LIBSESSION_LIBRARY", "PYTHONPATH", "CARGO_TARGET_DIR")}
    env["PYTHONPATH"] = str(checkout / "bindings" / "python")
    code = "import libsession._native as n; print(n.lib().path)"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(release / "libsession.so")
    # Without it, the error says what to do.
    os.remove(release / "libsession.so")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    if out.returncode == 0:  # a system-wide install (make install) is found instead
        assert "target" not in out.stdout
    else:
        assert "LIBSESSION_LIBRARY" in out.stderr
