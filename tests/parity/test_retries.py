"""Retries and the read timeout. requests is configured the documented way,
HTTPAdapter(max_retries=urllib3.Retry(...)) mounted for http://; libsession with
Session.retries = Retry(...). The rig's /flaky fails the first N requests of a key and
/attempts tells how many it saw."""
import time
import uuid

import pytest

from harness import Reduced, deliberate


def flaky(both, **params):
    """A fresh /flaky URL and its /attempts URL."""
    key = uuid.uuid4().hex
    query = "".join(f"&{k}={v}" for k, v in params.items())
    return both.rig.url(f"/flaky?key={key}{query}"), both.rig.url(f"/attempts?key={key}")


def counted(both, method="GET", **params):
    """An action sending `method` to a fresh /flaky URL; reports status (or error) and attempts."""
    def action(c, s):
        url, attempts = flaky(both, **params)
        try:
            result = {"status": s.request(method, url).status_code}
        except Exception as e:  # noqa: BLE001 - compared by category
            result = {"error": c.category(e)}
        result["attempts"] = s.get(attempts).json()["attempts"]
        return Reduced(result)
    return action


def retries(**retry):
    return lambda c, s: c.set_retries(s, **retry)


def test_retried_status_then_success(both):
    out = both.same(counted(both, fail=2), setup=retries(total=2, status_forcelist=[503]))
    assert out["body"] == {"status": 200, "attempts": 3}


def test_retries_exhausted_returns_last_response(both):
    setup = retries(total=2, status_forcelist=[503], raise_on_status=False)
    out = both.same(counted(both, fail=5), setup=setup)
    assert out["body"] == {"status": 503, "attempts": 3}


@pytest.mark.parametrize("method, retried", [
    ("GET", True), ("HEAD", True), ("PUT", True), ("DELETE", True), ("OPTIONS", True),
    ("POST", False), ("PATCH", False),
])
def test_default_allowed_methods(both, method, retried):
    out = both.same(counted(both, method, fail=1), setup=retries(total=1, status_forcelist=[503]))
    assert out["body"] == ({"status": 200, "attempts": 2} if retried else {"status": 503, "attempts": 1})


def test_allowed_methods_post(both):
    setup = retries(total=1, status_forcelist=[503], allowed_methods=["POST"])
    out = both.same(counted(both, "POST", fail=1), setup=setup)
    assert out["body"] == {"status": 200, "attempts": 2}


def test_status_not_listed_is_not_retried(both):
    out = both.same(counted(both, fail=1, status=500), setup=retries(total=2, status_forcelist=[503]))
    assert out["body"] == {"status": 500, "attempts": 1}


@pytest.mark.parametrize("status, retried", [(429, True), (503, True), (413, True), (500, False)])
def test_retry_after_without_status_list(both, status, retried):
    setup = retries(total=1, raise_on_status=False)
    out = both.same(counted(both, fail=1, status=status, retry_after=0), setup=setup)
    assert out["body"] == ({"status": 200, "attempts": 2} if retried else {"status": status, "attempts": 1})


def test_no_retries_by_default(both):
    out = both.same(counted(both, fail=1))
    assert out["body"] == {"status": 503, "attempts": 1}


@deliberate("When retries run out on a retried status, libsession returns the last response; "
            "requests raises RetryError (urllib3's default raise_on_status=True; with "
            "raise_on_status=False it returns the response too).")
def test_retries_exhausted_default(both):
    req, lib = both(counted(both, fail=5), setup=retries(total=1, status_forcelist=[503]))
    assert lib["body"] == {"status": 503, "attempts": 2}
    assert req["body"] == {"error": "retries_exhausted", "attempts": 2}


@deliberate("The first retry waits its backoff (backoff_factor, jittered down to half of it); "
            "urllib3 makes the first retry at once and waits from the second on.")
def test_first_retry_waits_backoff(both):
    def action(c, s):
        start = time.monotonic()
        try:
            s.get("http://127.0.0.1:1/")
        except Exception as e:  # noqa: BLE001 - compared by category
            return Reduced({"error": c.category(e), "waited": time.monotonic() - start >= 0.2})

    req, lib = both(action, setup=retries(total=1, backoff_factor=0.4))
    assert lib["body"] == {"error": "connect", "waited": True}
    assert req["body"] == {"error": "connect", "waited": False}


def test_read_timeout_from_timeout_pair(both):
    # (connect, read): libsession's read timeout has whole seconds, so 0.5 fires after 1 s
    out = both.same(lambda c, s: s.get(both.rig.url("/hang"), timeout=(5, 0.5)))
    assert out == {"error": "timeout"}
