"""Request bodies: raw, form, JSON, empty."""
from harness import check_gap, gap


def test_raw_bytes_body(both):
    body = bytes(range(1, 200))
    out = both.same(lambda c, s: s.post(both.rig.url("/echo"), data=body, headers={"Content-Type": "application/octet-stream"}))
    assert out["body"]["body_len"] == 199 and out["body"]["headers"]["content-length"] == "199"


def test_raw_str_body(both):
    out = both.same(lambda c, s: s.post(both.httpbin.url("/post"), data="plain text"))
    assert out["body"]["data"] == "plain text" and "content-type" not in out["body"]["headers"]


def test_form_body(both):
    form = [("a", "1"), ("b", "x y&z"), ("a", "2"), ("u", "é")]
    out = both.same(lambda c, s: s.post(both.rig.url("/echo"), data=form))
    assert out["body"]["body"] == "a=1&b=x+y%26z&a=2&u=%C3%A9"
    assert out["body"]["headers"]["content-type"] == "application/x-www-form-urlencoded"


def test_form_dict_with_lists(both):
    out = both.same(lambda c, s: s.post(both.httpbin.url("/post"), data={"k": ["1", "2"], "j": "3"}))
    assert out["body"]["form"] == {"k": ["1", "2"], "j": "3"}


def test_json_body(both):
    payload = {"s": "é 中", "n": [1, 2.5, None, True], "o": {"k": "v"}}
    out = both.same(lambda c, s: s.post(both.rig.url("/echo"), json=payload))
    assert out["body"]["headers"]["content-type"] == "application/json"
    assert out["body"]["body"] == '{"s": "\\u00e9 \\u4e2d", "n": [1, 2.5, null, true], "o": {"k": "v"}}'


def test_own_content_type_wins_over_json(both):
    def action(c, s):
        return s.post(both.httpbin.url("/post"), json=[1], headers={"Content-Type": "application/x-custom"})

    out = both.same(action)
    assert out["body"]["headers"]["content-type"] == "application/x-custom" and out["body"]["data"] == "[1]"


def test_data_wins_over_json(both):
    out = both.same(lambda c, s: s.post(both.httpbin.url("/post"), data={"d": "1"}, json={"j": 1}))
    assert out["body"]["form"] == {"d": "1"} and out["body"]["json"] is None


@gap("A POST without a body (request builder, no body set) carries libcurl's default "
     "'Content-Type: application/x-www-form-urlencoded'; requests sends no Content-Type. "
     "(session_post with an empty body does not.)")
def test_empty_post(both):
    req, lib = both(lambda c, s: s.post(both.rig.url("/echo"), data=b""))
    assert req["body"]["body_len"] == lib["body"]["body_len"] == 0
    assert req["body"]["headers"]["content-length"] == lib["body"]["headers"]["content-length"] == "0"
    assert "content-type" not in req["body"]["headers"]
    check_gap(lib["body"]["headers"].get("content-type"), today="application/x-www-form-urlencoded", fixed=None)


def test_patch_and_put_with_bodies(both):
    def action(c, s):
        a = s.put(both.httpbin.url("/put"), data=b"put-body").json()
        b = s.patch(both.httpbin.url("/patch"), json={"p": 1}).json()
        return s.post(both.httpbin.url("/anything"), json={"put": a["data"], "patch": b["json"]})

    assert both.same(action)["body"]["json"] == {"put": "put-body", "patch": {"p": 1}}


def test_delete_with_body(both):
    out = both.same(lambda c, s: s.delete(both.httpbin.url("/delete"), data=b"gone"))
    assert out["body"]["data"] == "gone"


@gap("A PUT, PATCH or DELETE without a body carries no Content-Length; requests sends "
     "'Content-Length: 0' (RFC 9110 says a client SHOULD for methods that define a body).")
def test_bodiless_put_content_length(both):
    req, lib = both(lambda c, s: s.put(both.rig.url("/echo")))
    assert req["body"]["headers"]["content-length"] == "0"
    check_gap(lib["body"]["headers"].get("content-length"), today=None, fixed="0")
    assert lib["body"]["method"] == req["body"]["method"] == "PUT"


@gap("Query and form encoding: '~' is sent as %7E and '*' raw (WHATWG form-urlencoded); requests "
     "sends '~' raw and '*' as %2A. Servers decode both to the same values.")
def test_tilde_and_star_encoding(both):
    req, lib = both(lambda c, s: s.get(both.rig.url("/echo"), params={"v": "~*"}))
    assert req["body"]["query"] == "v=~%2A"
    check_gap(lib["body"]["query"], today="v=%7E*", fixed="v=~%2A")
