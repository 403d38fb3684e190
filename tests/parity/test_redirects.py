"""Redirects: method and body rewriting, Location forms, limits."""
import pytest

from harness import check_gap, deliberate, drop_empty_length, gap


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_post_redirect_rewrites_method_and_body(both, status):
    def action(c, s):
        url = both.httpbin.url("/redirect-to")
        return s.post(url, params={"url": "/anything", "status_code": status}, data={"field": "v"})

    out = both.same(action)
    assert out["body"]["method"] == ("POST" if status in (307, 308) else "GET")
    assert out["body"]["form"] == ({"field": "v"} if status in (307, 308) else {})


@pytest.mark.parametrize("method,status", [("PUT", 301), ("PUT", 303), ("DELETE", 302), ("PATCH", 307)])
def test_other_methods_on_redirect(both, method, status):
    def action(c, s):
        url = both.rig.url("/redirect")
        return s.request(method, url, params={"to": "/echo/next", "status": status}, data=b"body",
                         headers={"Content-Type": "text/plain"})

    req, lib = map(drop_empty_length, both(action))  # Content-Length: 0 is a known gap
    assert lib == req and lib["history"][0][0] == status


def test_head_stays_head_on_302(both):
    out = both.same(lambda c, s: s.head(both.rig.url("/redirect?to=/echo/h"), allow_redirects=True))
    assert out["status"] == 200 and "body" not in out


@pytest.mark.parametrize("path", ["/redirect/3", "/relative-redirect/3", "/absolute-redirect/3"])
def test_httpbin_redirect_chains(both, path):
    out = both.same(lambda c, s: s.get(both.httpbin.url(path)))
    assert [h[0] for h in out["history"]] == [302, 302, 302] and out["url"].endswith("/get")


@pytest.mark.parametrize("location", [
    "../echo/relative",
    "echo-sibling?x=1",
    "//127.0.0.1:{port}/echo/scheme-relative",
    "http://127.0.0.1:{port}/echo/absolute",
    "?to=%2Fecho%2Fvia-query",
    "/echo/caf%C3%A9",  # raw UTF-8 bytes in Location
    "/echo/with#fragment",
])
def test_location_forms(both, location):
    to = location.format(port=both.rig.port)
    out = both.same(lambda c, s: s.get(both.rig.url("/redirect"), params={"to": to}))
    assert out["status"] == 200 and out["body"]["method"] == "GET"


def test_fragment_is_kept_across_redirects(both):
    out = both.same(lambda c, s: s.get(both.rig.url("/redirect?to=/echo/x#frag")))
    assert out["url"].endswith("#frag")


def test_allow_redirects_false(both):
    out = both.same(lambda c, s: s.get(both.httpbin.url("/redirect/2"), allow_redirects=False))
    assert out["status"] == 302 and out["history"] == [] and out["location"].endswith("/relative-redirect/1")


@pytest.mark.parametrize("hops,limit", [(2, 2), (3, 2), (1, 0)])
def test_max_redirects(both, hops, limit):
    def setup(c, s):
        s.max_redirects = limit

    out = both.same(lambda c, s: s.get(both.httpbin.url(f"/redirect/{hops}")), setup=setup)
    assert ("error" in out) == (hops > limit)


def test_redirect_loop(both):
    out = both.same(lambda c, s: s.get(both.rig.url("/loop")))
    assert out == {"error": "too_many_redirects", "response": {"status": 302, "url": both.rig.url("/loop")}}


def test_redirect_to_unsupported_scheme(both):
    req, lib = both(lambda c, s: s.get(both.rig.url("/redirect?to=ftp://127.0.0.1/file")))
    assert req == {"error": "invalid_url"} and lib["error"] == "invalid_url"
    assert lib["response"]["status"] == 302  # libsession also hands over the refused redirect


def test_headers_survive_redirects(both):
    def setup(c, s):
        s.headers["X-Session"] = "s"

    out = both.same(lambda c, s: s.get(both.httpbin.url("/redirect/2"), headers={"X-Request": "r"}),
                    setup=setup)
    assert out["body"]["headers"]["x-session"] == "s" and out["body"]["headers"]["x-request"] == "r"


def test_307_replays_raw_body_and_content_type(both):
    def action(c, s):
        return s.put(both.httpbin.url("/redirect-to"), params={"url": "/anything", "status_code": 307},
                     data=b'{"raw": true}', headers={"Content-Type": "application/vnd.test+json"})

    out = both.same(action)
    assert out["body"]["data"] == '{"raw": true}' and out["body"]["method"] == "PUT"


@pytest.mark.parametrize("status", [300, 201, 304])
def test_location_without_redirect_status_is_not_followed(both, status):
    out = both.same(lambda c, s: s.get(both.rig.url("/redirect"), params={"to": "/echo", "status": status}))
    assert out["status"] == status and out["history"] == []


def test_head_does_not_follow_by_default(both):
    out = both.same(lambda c, s: s.head(both.httpbin.url("/redirect/1")))
    assert out["status"] == 302 and out["history"] == []


def test_non_ascii_path_in_url(both):
    out = both.same(lambda c, s: s.get(both.rig.url("/echo/é 中")))
    assert out["body"]["path"] == "/echo/%C3%A9%20%E4%B8%AD"


def test_empty_location(both):
    req, lib = both(lambda c, s: s.get(both.rig.url("/redirect"), params={"to": ""}))
    assert req["status"] == 302 and req["history"] == []
    assert lib.get("error") is None and lib["status"] == 302 and lib["history"] == []


@deliberate("A redirect to a malformed URL (bad percent-escape or a space in the host) fails as "
            "InvalidURL before any connection attempt, with the 3xx attached; requests tries to "
            "resolve the host and fails with ConnectionError.")
@pytest.mark.parametrize("location", ["http://%zz/", "http://a b/"])
def test_redirect_to_malformed_url(both, location):
    req, lib = both(lambda c, s: s.get(both.rig.url("/redirect"), params={"to": location}))
    assert req == {"error": "connect"}
    assert lib["error"] == "invalid_url" and lib["response"]["status"] == 302
