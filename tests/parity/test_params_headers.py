"""Query parameters and headers: session defaults merged with a request's own values."""
from harness import Reduced, deliberate


def test_session_and_request_params_merge(both):
    def setup(c, s):
        s.params["only_session"] = "1"

    out = both.same(lambda c, s: s.get(both.httpbin.url("/get"), params={"shared": "request", "own": "2"}),
                    setup=setup)
    assert out["body"]["args"] == {"shared": "request", "only_session": "1", "own": "2"}


def test_overridden_session_param_position(both):
    def setup(c, s):
        s.params["shared"] = "session"
        s.params["only_session"] = "1"

    req, lib = both(lambda c, s: s.get(both.rig.url("/echo"), params={"shared": "request", "own": "2"}),
                    setup=setup)
    assert req["body"]["query"] == "shared=request&only_session=1&own=2"
    assert lib["body"]["query"] == req["body"]["query"]


def test_session_param_removed_with_none(both):
    def setup(c, s):
        s.params["a"] = "1"
        s.params["b"] = "2"
        s.params["a"] = None

    out = both.same(lambda c, s: s.get(both.httpbin.url("/get")), setup=setup)
    assert out["body"]["args"] == {"b": "2"}


def test_request_param_none_is_skipped(both):
    out = both.same(lambda c, s: s.get(both.httpbin.url("/get"), params={"a": None, "b": "1"}))
    assert out["body"]["args"] == {"b": "1"}


def test_request_param_none_removes_session_param(both):
    def setup(c, s):
        s.params["a"] = "session"

    req, lib = both(lambda c, s: s.get(both.httpbin.url("/get"), params={"a": None}), setup=setup)
    assert req["body"]["args"] == {}
    assert lib["body"]["args"] == {}


def test_repeated_keys(both):
    out = both.same(lambda c, s: s.get(both.httpbin.url("/get"), params=[("k", "1"), ("x", "y"), ("k", "2")]))
    assert out["body"]["args"] == {"k": ["1", "2"], "x": "y"}


def test_list_values(both):
    out = both.same(lambda c, s: s.get(both.httpbin.url("/get"), params={"k": ["1", "2", None, "3"]}))
    assert out["body"]["args"] == {"k": ["1", "2", "3"]}


def test_param_encoding(both):
    value = "a b&c=d+e/f?g#h%i é 中"
    out = both.same(lambda c, s: s.get(both.rig.url("/echo"), params={"q k": value}))
    assert out["body"]["query"] == "q+k=a+b%26c%3Dd%2Be%2Ff%3Fg%23h%25i+%C3%A9+%E4%B8%AD"


def test_params_appended_to_existing_query_and_fragment(both):
    out = both.same(lambda c, s: s.get(both.rig.url("/echo?x=1#frag"), params={"y": "2"}))
    assert out["url"].endswith("/echo?x=1&y=2#frag") and out["body"]["query"] == "x=1&y=2"


def test_non_string_param_values(both):
    out = both.same(lambda c, s: s.get(both.httpbin.url("/get"), params={"i": 1, "f": 2.5, "b": b"bytes"}))
    assert out["body"]["args"] == {"i": "1", "f": "2.5", "b": "bytes"}


def test_params_as_string(both):
    out = both.same(lambda c, s: s.get(both.httpbin.url("/get"), params="a=1&b=2"))
    assert out["body"]["args"] == {"a": "1", "b": "2"}


def test_session_and_request_headers_merge(both):
    def setup(c, s):
        s.headers["X-Shared"] = "session"
        s.headers["X-Session-Only"] = "1"

    out = both.same(lambda c, s: s.get(both.httpbin.url("/headers"), headers={"x-shared": "request"}),
                    setup=setup)
    assert out["body"]["headers"]["x-shared"] == "request" and out["body"]["headers"]["x-session-only"] == "1"


def test_request_none_removes_session_header(both):
    def setup(c, s):
        s.headers["X-Remove-Me"] = "1"

    out = both.same(lambda c, s: s.get(both.httpbin.url("/headers"), headers={"X-Remove-Me": None}), setup=setup)
    assert "x-remove-me" not in out["body"]["headers"]


def test_session_header_set_to_none(both):
    def setup(c, s):
        s.headers["X-Gone"] = "1"
        s.headers["X-Gone"] = None
        s.headers["Accept"] = None

    out = both.same(lambda c, s: s.get(both.httpbin.url("/headers")), setup=setup)
    assert "x-gone" not in out["body"]["headers"] and "accept" not in out["body"]["headers"]


def test_user_agent_override(both):
    def setup(c, s):
        s.headers["User-Agent"] = "parity-agent/1"

    out = both.same(lambda c, s: s.get(both.httpbin.url("/headers")), setup=setup, keep=("user-agent",))
    assert out["body"]["headers"]["user-agent"] == "parity-agent/1"


def test_accept_override_is_not_duplicated(both):
    out = both.same(lambda c, s: s.get(both.rig.url("/echo"), headers={"Accept": "application/json"}))
    assert [v for k, v in out["body"]["headers"].items() if k == "accept"] == ["application/json"]


def test_empty_header_value(both):
    out = both.same(lambda c, s: s.get(both.httpbin.url("/headers"), headers={"X-Empty": ""}))
    assert out["body"]["headers"]["x-empty"] == ""


def test_response_headers_joined(both):
    def action(c, s):
        r = s.get(both.httpbin.url("/response-headers"), params=[("X-Multi", "a"), ("X-Multi", "b")])
        return Reduced({"X-MULTI": r.headers["X-MULTI"], "x-multi": r.headers["x-multi"]})

    assert both.same(action)["body"] == {"X-MULTI": "a, b", "x-multi": "a, b"}


def test_status_and_reason(both):
    out = both.same(lambda c, s: s.get(both.httpbin.url("/status/418")))
    assert out["status"] == 418 and out["reason"] == "I'M A TEAPOT"


def test_lowercase_method(both):
    out = both.same(lambda c, s: s.request("patch", both.httpbin.url("/anything"), data=b"x"))
    assert out["body"]["method"] == "PATCH"


def test_text_and_encoding(both):
    def action(c, s):
        r = s.get(both.httpbin.url("/encoding/utf8"))
        html = s.get(both.httpbin.url("/html"))
        return Reduced({"encoding": r.encoding.lower(), "text": r.text, "html_encoding": html.encoding.lower(),
                        "json": s.get(both.httpbin.url("/json")).json()})

    out = both.same(action)
    assert out["body"]["encoding"] == "utf-8" and "∮" in out["body"]["text"]


@deliberate("Session params are merged with request params given as a list of pairs: the "
            "session's first, a request pair replacing the session param of its name in place, "
            "then the request's others (as for a dict); requests sends only the request's list "
            "(its merge_setting ignores settings that are not mappings).")
def test_session_params_merged_with_request_list(both):
    def setup(c, s):
        s.params["only_session"] = "1"
        s.params["shared"] = "session"

    req, lib = both(lambda c, s: s.get(both.rig.url("/echo"), params=[("shared", "request"), ("k", "1"), ("k", "2")]),
                    setup=setup)
    assert req["body"]["query"] == "shared=request&k=1&k=2"
    assert lib["body"]["query"] == "only_session=1&shared=request&k=1&k=2"


@deliberate("Session params are merged with request params given as a query string: the "
            "string first, then the session's params; requests sends only the string (its "
            "merge_setting ignores settings that are not mappings).")
def test_session_params_merged_with_request_string(both):
    def setup(c, s):
        s.params["only_session"] = "1"

    req, lib = both(lambda c, s: s.get(both.rig.url("/echo"), params="a=1&b=2"), setup=setup)
    assert req["body"]["query"] == "a=1&b=2"
    assert lib["body"]["query"] == "a=1&b=2&only_session=1"
