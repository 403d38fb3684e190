"""A pytest fixture that runs a test suite offline from HAR cassettes (libsession replay).

Copy into your conftest.py. Each test gets a Session whose traffic is recorded the first time
(`pytest --record`, or when the cassette is missing) and answered from
tests/cassettes/<test name>.har from then on, with no network:

    def test_user_lookup(replay_session):
        r = replay_session.get("https://api.example.com/users/7")
        assert r.json()["id"] == 7

A request the cassette lacks raises libsession.NotRecorded naming its method and URL.
"""
import pathlib

import pytest

import libsession

CASSETTES = pathlib.Path(__file__).resolve().parent / "cassettes"


def pytest_addoption(parser):
    parser.addoption("--record", action="store_true", help="record HAR cassettes anew")


@pytest.fixture
def replay_session(request):
    CASSETTES.mkdir(exist_ok=True)
    cassette = CASSETTES / f"{request.node.name}.har"
    record = request.config.getoption("--record") or not cassette.exists()
    with libsession.Session(replay=cassette, mode="record" if record else "playback") as s:
        yield s
