"""WebSocket and Server-Sent Events from the binding (session.ws_connect, session.events),
against tests/servers/stream_server.py on 127.0.0.1."""
import threading
import time

import pytest

import launch
import libsession
from libsession import streams


@pytest.fixture(scope="module")
def streamer():
    server = launch.Server("stream_server.py", ["--tls"], last="READY")
    yield server
    server.stop()


def ws_url(server, path):
    return f"ws://127.0.0.1:{server.port}{path}"


def test_echo_iteration_and_close(streamer):
    with libsession.Session() as s, s.ws_connect(ws_url(streamer, "/echo")) as ws:
        assert ws.response.status_code == 101
        assert ws.fileno() >= 0
        ws.send("héllo")
        ws.send(b"\x00\x01")
        ws.ping(b"p")
        got = [(m.type, m.data) for m in (ws.recv(5), ws.recv(5), ws.recv(5))]
        # The websockets server answers a ping at once, ahead of echoes still queued.
        assert [m for m in got if m[0] != "pong"] == [("text", "héllo"), ("binary", b"\x00\x01")]
        assert ("pong", b"p") in got
        ws.close(1000, "done")
        messages = list(ws)
        assert messages[-1].type == "close" and messages[-1].close_code == 1000


def test_wss_cookies_and_subprotocols(streamer):
    with libsession.Session() as s:
        s.verify = streamer.ca_pem
        s.cookies.set("jarred", "yes", domain="127.0.0.1")
        url = f"wss://127.0.0.1:{streamer.tls_port}/headers"
        with s.ws_connect(url, headers={"X-Own": "mine"}) as ws:
            seen = ws.recv(5).data
            assert '"cookie": "jarred=yes"' in seen and '"x-own": "mine"' in seen
        with s.ws_connect(ws_url(streamer, "/setcookie")):
            pass
        assert s.cookies.get("wscookie") == "up"
        with s.ws_connect(ws_url(streamer, "/protocol"), subprotocols=["b", "a"]) as ws:
            assert ws.response.headers["Sec-WebSocket-Protocol"] == "b"


def test_refused_upgrade_carries_the_response(streamer):
    with libsession.Session() as s:
        with pytest.raises(libsession.UpgradeRefused) as info:
            s.ws_connect(ws_url(streamer, "/refuse"))
        assert info.value.response.status_code == 403
        assert info.value.response.content == b"go away"  # the whole refusal
        assert isinstance(info.value, libsession.ConnectionError)


def test_errors_map_to_exceptions(streamer):
    with libsession.Session() as s:
        with s.ws_connect(ws_url(streamer, "/badutf8")) as ws:
            with pytest.raises(libsession.ContentDecodingError):
                ws.recv(5)
        with s.ws_connect(ws_url(streamer, "/big?n=5000")) as ws:
            ws.set_max_message(1000)
            with pytest.raises(libsession.TooLarge):
                ws.recv(5)
        with s.ws_connect(ws_url(streamer, "/silent")) as ws:
            with pytest.raises(libsession.Timeout):
                ws.recv(0.2)
        with s.ws_connect(ws_url(streamer, "/vanish")) as ws:
            with pytest.raises(libsession.ConnectionError):
                ws.recv(5)


def test_one_sender_one_receiver(streamer):
    with libsession.Session() as s, s.ws_connect(ws_url(streamer, "/echo")) as ws:
        n = 300
        sender = threading.Thread(target=lambda: [ws.send(f"m{i}") for i in range(n)])
        sender.start()
        got = [ws.recv(10).data for _ in range(n)]
        sender.join()
        assert got == [f"m{i}" for i in range(n)]


def test_events_iterate_and_stop(streamer):
    with libsession.Session() as s:
        got = [(e.event, e.data, e.id) for e in s.events(streamer.url("/events/mixed"), reconnect=False)]
        assert got == [("message", "first", ""), ("custom", "two\nlines", ""), ("message", "", "7"),
                       ("message", " spaced", "7"), ("message", "last", "8")]
        started = time.monotonic()
        forever = s.events(streamer.url("/events/forever"))
        first = [next(forever).id for _ in range(3)]
        forever.close()  # stops the stream
        assert first == ["0", "1", "2"] and time.monotonic() - started < 5


def test_events_reconnect_with_last_event_id(streamer):
    with libsession.Session(retries=2) as s:
        got = list(s.events(streamer.url("/events/resume?retry=10"), headers={"Last-Event-ID": "5"}))
        assert [e.data for e in got] == ["resumed after 5", "resumed after 5-next", "resumed after 5-next-next"]
