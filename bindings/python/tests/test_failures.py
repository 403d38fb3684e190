"""Failures map to the exception of their session_code; bad input never reaches the wire."""
import pytest

import libsession
from libsession import _native, exceptions


@pytest.fixture
def s():
    with libsession.Session() as session:
        yield session


def test_connection_refused(s, httpbin):
    with pytest.raises(libsession.ConnectionError) as info:
        s.get("http://127.0.0.1:1/")
    assert info.value.code == 4 and info.value.response is None
    assert isinstance(info.value, libsession.RequestException) and isinstance(info.value, OSError)


@pytest.mark.parametrize("url", ["", "127.0.0.1/x", "http://", "ftp://127.0.0.1/", "file:///etc/passwd"])
def test_invalid_urls(s, url):
    with pytest.raises(libsession.InvalidURL) as info:
        s.get(url)
    assert info.value.code == 2 and isinstance(info.value, ValueError)


def test_redirect_loop(s, rig):
    with pytest.raises(libsession.TooManyRedirects) as info:
        s.get(rig.url("/loop"))
    assert len(info.value.response.history) == 30


@pytest.mark.parametrize("headers", [{"X-A": "a\r\nInjected: 1"}, {"X-A": "a\0b"}, {"Bad Name": "v"}])
def test_header_injection_refused_before_sending(s, rig, headers):
    before = s.get(rig.url("/connections")).json()["accepted"]
    with pytest.raises(libsession.InvalidArgument):
        s.get(rig.url("/echo"), headers=headers)
    assert s.get(rig.url("/connections")).json()["accepted"] == before


def test_nul_in_strings_is_refused_not_truncated(s, httpbin):
    with pytest.raises(libsession.InvalidArgument, match="NUL"):
        s.get(httpbin.url("/get"), params={"a": "x\0y"})
    with pytest.raises(libsession.InvalidArgument, match="NUL"):
        s.headers["X-A"] = "ok\0bad"


def test_bad_method(s, httpbin):
    with pytest.raises(libsession.InvalidArgument):
        s.request("GE T", httpbin.url("/get"))


def test_every_code_has_its_class():
    for code in range(1, 16):
        exc = exceptions.from_code(code, "m")
        # Timeout and ContentDecodingError are narrowed to requests' subclasses by the message.
        assert exc.code == code and isinstance(exc, exceptions.BY_CODE[code])
        assert _native.text(_native.lib().session_strerror(code))
    assert type(exceptions.from_code(99, "m")) is libsession.RequestException


def test_missing_function_raises_not_supported(monkeypatch):
    monkeypatch.setitem(_native.DECLARATIONS, "session_not_there", (None, []))
    library = _native.Library(_native.lib().path)
    assert not library.has("session_not_there") and library.has("session_send")
    with pytest.raises(libsession.NotSupported):
        library.session_not_there()


def test_declarations_match_the_header():
    import os
    import re

    header = os.path.join(os.path.dirname(__file__), "..", "..", "..", "include", "session.h")
    with open(header) as f:
        exported = set(re.findall(r"\b(session_[a-z0-9_]+)\(", f.read()))
    # Functions other branches add are bound later; list them rather than fail the merge.
    print("not bound yet:", sorted(exported - set(_native.DECLARATIONS)))
    assert set(_native.DECLARATIONS) <= exported, "declared but not in include/session.h"
    assert all(_native.lib().has(name) for name in _native.DECLARATIONS)
