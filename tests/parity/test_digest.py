"""Digest auth (httpbin /digest-auth): session and per request, and across redirects.

requests' digest hook puts the answered 401 challenge into Response.history; libsession's
history holds redirects only (test_digest_challenge_not_in_history). The scenarios compare
everything else, after checking requests' history holds exactly those challenges."""
import pytest

from harness import deliberate


def _without_challenges(out):
    """requests' outcome minus the 401 challenge entries its digest hook adds to history."""
    if "history" in out:
        out = dict(out, history=[h for h in out["history"] if h[0] != 401])
    return out


def same(both, action, setup=None, challenges=1):
    req, lib = both(action, setup=setup)
    assert [h[0] for h in req["history"]].count(401) == challenges
    assert lib == _without_challenges(req)
    return lib


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_session_digest_auth(both, algorithm):
    def setup(c, s):
        s.auth = c.digest("user", "pw")

    out = same(both, lambda c, s: s.get(both.httpbin.url(f"/digest-auth/auth/user/pw/{algorithm}")), setup=setup)
    assert out["body"] == {"authenticated": True, "user": "user"}


def test_request_digest_auth(both):
    out = same(both, lambda c, s: s.get(both.httpbin.url("/digest-auth/auth/u/p"), auth=c.digest("u", "p")))
    assert out["status"] == 200


def test_digest_wrong_password(both):
    out = same(both, lambda c, s: s.get(both.httpbin.url("/digest-auth/auth/u/p"), auth=c.digest("u", "no")))
    assert out["status"] == 401


def test_request_digest_wins_over_session_basic(both):
    def setup(c, s):
        s.auth = ("u", "p")

    out = same(both, lambda c, s: s.get(both.httpbin.url("/digest-auth/auth/u/p"), auth=c.digest("u", "p")),
               setup=setup)
    assert out["status"] == 200


def test_digest_kept_on_same_host_redirect(both):
    def setup(c, s):
        s.auth = c.digest("u", "p")

    target = both.httpbin.url("/digest-auth/auth/u/p")
    # requests' final response after a redirect does not list the challenge
    out = same(both, lambda c, s: s.get(both.httpbin.url("/redirect-to"), params={"url": target}), setup=setup,
               challenges=0)
    assert out["status"] == 200 and len(out["history"]) == 1


@deliberate("Digest credentials are not used after a redirect to another host, scheme or port (as "
            "basic auth): the other host's challenge comes back as the 401. requests' digest hook "
            "survives the redirect and answers the other host's challenge with the credentials.")
def test_digest_dropped_on_cross_host_redirect(both):
    def setup(c, s):
        c.map_host(s, "localhost", both.httpbin.port)
        s.auth = c.digest("u", "p")

    target = both.httpbin.url("/digest-auth/auth/u/p", host="localhost")
    req, lib = both(lambda c, s: s.get(both.httpbin.url("/redirect-to"), params={"url": target}), setup=setup)
    assert lib["status"] == 401 and lib["url"] == target and len(lib["history"]) == 1
    assert req["status"] == 200 and req["url"] == target and req["body"]["authenticated"] is True


@deliberate("Response.history holds redirects only: a 401 digest challenge libcurl answered "
            "within the request is not in it; requests' digest hook appends the 401 to history.")
def test_digest_challenge_not_in_history(both):
    url = both.httpbin.url("/digest-auth/auth/u/p")
    req, lib = both(lambda c, s: s.get(url, auth=c.digest("u", "p")))
    assert lib["status"] == req["status"] == 200
    assert lib["history"] == [] and req["history"] == [(401, url)]
