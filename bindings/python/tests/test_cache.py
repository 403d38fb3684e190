"""The HTTP cache from Python (docs/cache.md): Session(cache=...), cache_mode per request,
Response.cache_status, NotCached; the rig server counts the requests it gets per key."""
import json
import urllib.request

import pytest

import libsession


def hits(rig, key):
    with urllib.request.urlopen(rig.url(f"/cache-hits?key={key}")) as r:
        state = json.load(r)
    return state["hits"], state["conditional"]


def test_memory_cache_hits_validation_and_history(rig):
    with libsession.Session(cache=True) as s:
        url = rig.url("/cache?key=py-fresh&cc=max-age=3600")
        first, second = s.get(url), s.get(url)
        assert (first.cache_status, second.cache_status) == ("miss", "hit")
        assert second.text == first.text == "py-fresh 1\n"
        assert hits(rig, "py-fresh") == (1, 0)
        url = rig.url('/cache?key=py-etag&cc=no-cache&etag="e"')
        s.get(url)
        again = s.get(url)
        assert (again.cache_status, again.text) == ("revalidated", "py-etag 1\n")
        assert hits(rig, "py-etag") == (2, 1)
        to = "%2Fcache%3Fkey%3Dpy-dest%26cc%3Dmax-age%3D3600"
        s.get(rig.url(f"/cache?key=py-301&status=301&loc={to}"))
        r = s.get(rig.url(f"/cache?key=py-301&status=301&loc={to}"))
        assert [h.cache_status for h in r.history] == ["hit"] and r.cache_status == "hit"


def test_modes_and_not_cached(rig):
    with libsession.Session(cache="memory") as s:
        url = rig.url("/cache?key=py-modes&cc=max-age=0")
        with pytest.raises(libsession.NotCached):
            s.get(url, cache_mode="only-if-cached")
        assert s.get(url, cache_mode="no-store").cache_status == "none"
        s.get(url)
        assert s.get(url, cache_mode="force-cache").cache_status == "stale"
        assert hits(rig, "py-modes") == (2, 0)
        with pytest.raises(ValueError):
            s.get(url, cache_mode="sometimes")
    with libsession.Session() as s:
        assert s.get(rig.url("/cache?key=py-off&cc=max-age=60")).cache_status == "none"


def test_disk_cache_shared_by_sessions(rig, tmp_path):
    url = rig.url("/cache?key=py-disk&cc=max-age=3600")
    with libsession.Session(cache=tmp_path / "c", cache_max_bytes=1 << 20) as a:
        assert a.get(url).cache_status == "miss"
    with libsession.Session(cache=str(tmp_path / "c")) as b:
        assert b.get(url).cache_status == "hit"
        b.set_cache(None, 0)
        assert b.get(url).cache_status == "none"
    assert hits(rig, "py-disk") == (2, 0)
