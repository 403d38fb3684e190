"""HAR export and record/replay from Python (docs/har-replay.md): Session(replay=..., mode=...),
set_har_log, NotRecorded, and the example pytest fixture (examples/conftest_replay.py)."""
import json
import os
import subprocess
import sys

import pytest

import libsession
import launch  # tests/servers, on the path by conftest.py

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")


def test_record_then_playback_with_the_server_stopped(tmp_path):
    server = launch.httpbin()
    cassette = tmp_path / "flow.har"
    try:
        with libsession.Session(replay=cassette, mode="record") as s:
            live = [s.get(server.url("/cookies/set"), params={"sid": "s1"}), s.post(server.url("/post"), json={"a": 1}),
                    s.get(server.url("/redirect/2"))]
            live_jar = dict(s.cookies)
    finally:
        server.stop()
    with libsession.Session(replay=cassette) as s:
        again = [s.get(server.url("/cookies/set"), params={"sid": "s1"}), s.post(server.url("/post"), json={"a": 1}),
                 s.get(server.url("/redirect/2"))]
        assert dict(s.cookies) == live_jar == {"sid": "s1"}
        for a, b in zip(live, again):
            assert (a.status_code, a.content, list(a.headers.items()), len(a.history)) == (
                b.status_code, b.content, list(b.headers.items()), len(b.history))
        with pytest.raises(libsession.NotRecorded, match=r"GET .*/never"):
            s.get(server.url("/never"))


def test_har_log_from_python(tmp_path, httpbin):
    log = tmp_path / "log.har"
    with libsession.Session(har=log) as s:
        s.auth = ("ada", "secret-pw")
        s.get(httpbin.url("/basic-auth/ada/secret-pw"))
        s.har_flush()
        text = log.read_text()
        assert "secret-pw" not in text.replace("/basic-auth/ada/secret-pw", "")
        entries = json.loads(text)["log"]["entries"]
        assert [e["response"]["status"] for e in entries] == [200]
        s.set_har_log(None)


def test_bad_arguments(tmp_path):
    bad = tmp_path / "bad.har"
    bad.write_text("{\"log\": ")
    with libsession.Session() as s:
        with pytest.raises(libsession.ContentDecodingError):
            s.set_replay(bad, "playback")
        with pytest.raises(ValueError):
            s.set_replay(bad, "rewind")
        s.set_replay(None)


def test_the_example_fixture_records_then_replays(tmp_path, httpbin):
    (tmp_path / "conftest.py").write_text(open(os.path.join(EXAMPLES, "conftest_replay.py")).read())
    (tmp_path / "test_user.py").write_text(
        f"def test_get(replay_session):\n"
        f"    assert replay_session.get({httpbin.url('/get')!r}, params={{'q': '1'}}).json()['args'] == {{'q': '1'}}\n")
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), "..") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    run = lambda *extra: subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
                                        cwd=tmp_path, capture_output=True, text=True, env=env)
    first = run()
    assert first.returncode == 0, first.stdout + first.stderr
    assert (tmp_path / "cassettes" / "test_get.har").exists()
    # Playback: the URL now points nowhere that is recorded except this one request.
    second = run()
    assert second.returncode == 0, second.stdout + second.stderr
