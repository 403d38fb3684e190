"""Requests and responses through the binding, checked against what httpbin received."""
import datetime

import pytest

import libsession


@pytest.fixture
def s():
    with libsession.Session() as session:
        yield session


def test_get_with_params_and_headers(s, httpbin):
    r = s.get(httpbin.url("/anything"), params={"a": "1", "b": ["x", "y"], "skip": None}, headers={"X-Req": "v"})
    echo = r.json()
    assert r.status_code == 200 and r.reason == "OK" and r.ok
    assert echo["method"] == "GET"
    assert echo["args"] == {"a": "1", "b": ["x", "y"]}
    assert echo["headers"]["X-Req"] == "v"
    assert r.url == httpbin.url("/anything?a=1&b=x&b=y")
    assert r.http_version == "HTTP/1.1"
    assert isinstance(r.elapsed, datetime.timedelta) and r.elapsed.total_seconds() > 0


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_methods_reach_the_server(s, httpbin, method):
    r = getattr(s, method)(httpbin.url("/anything"), data=b"payload" if method != "delete" else None)
    assert r.json()["method"] == method.upper()
    if method != "delete":
        assert r.json()["data"] == "payload"


def test_head_has_headers_but_no_body(s, httpbin):
    r = s.head(httpbin.url("/get"))
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) > 0


def test_bodies(s, httpbin):
    assert s.post(httpbin.url("/post"), json={"k": [1, "é"]}).json()["json"] == {"k": [1, "é"]}
    form = s.post(httpbin.url("/post"), data={"f": "1 2", "g": ["a", "b"]}).json()
    assert form["form"] == {"f": "1 2", "g": ["a", "b"]}
    assert form["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    raw = s.post(httpbin.url("/post"), data=b"\x00\x01raw", headers={"Content-Type": "application/octet-stream"}).json()
    assert raw["data"] == "\x00\x01raw" and raw["headers"]["Content-Length"] == "5"


def test_headers_are_case_insensitive_and_repeats_joined(s, rig):
    r = s.get(rig.url("/cookies/set-raw"), params={"h": ["a=1", "b=2"]})
    assert r.headers["SET-COOKIE"] == r.headers["set-cookie"] == "a=1, b=2"
    assert [v for k, v in r.raw_headers if k.lower() == "set-cookie"] == ["a=1", "b=2"]


def test_text_and_encoding(s, httpbin):
    r = s.get(httpbin.url("/encoding/utf8"))
    assert r.encoding.lower() == "utf-8"
    assert "∮ E⋅da = Q" in r.text
    with pytest.raises(libsession.JSONDecodeError):
        r.json()


def test_history_and_final_url(s, httpbin):
    r = s.get(httpbin.url("/redirect/3"))
    assert r.url == httpbin.url("/get")
    assert [h.status_code for h in r.history] == [302, 302, 302]
    assert r.history[0].url == httpbin.url("/redirect/3")
    assert r.history[1].headers["location"].endswith("/relative-redirect/1")
    assert [h.url for h in r.history[2].history] == [h.url for h in r.history[:2]]


def test_raise_for_status(s, httpbin):
    s.get(httpbin.url("/status/204")).raise_for_status()
    r = s.get(httpbin.url("/status/418"))
    assert not r.ok and r.status_code == 418
    with pytest.raises(libsession.HTTPError) as info:
        r.raise_for_status()
    assert info.value.response is r and info.value.code == 13
    assert "418 Client Error" in str(info.value)
    with pytest.raises(libsession.HTTPError, match="503 Server Error"):
        s.get(httpbin.url("/status/503")).raise_for_status()


def test_response_outlives_session(httpbin):
    with libsession.Session() as s:
        r = s.get(httpbin.url("/get"))
    assert r.json()["url"] == httpbin.url("/get")
    with pytest.raises(libsession.InvalidArgument, match="closed"):
        s.get(httpbin.url("/get"))


def test_module_level_get(httpbin):
    assert libsession.get(httpbin.url("/get"), params={"q": "1"}).json()["args"] == {"q": "1"}
