"""How connections are made (libsession.connect): pins, Unix sockets and http+unix:// URLs,
the local address and port, the IP family, bandwidth caps, as Session keywords, properties
and per-request keywords, against the rig on loopback."""
import os
import tempfile
import time

import pytest

import launch
import libsession


@pytest.fixture(scope="module")
def unix_rig():
    path = os.path.join(tempfile.mkdtemp(prefix="libsession-py-"), "rig.sock")
    server = launch.Server("rig_server.py", ["--tls", "--unix", path], last="READY")
    server.unix_path = path
    yield server
    server.stop()


def test_pin_keyword_accepts_its_server_and_refuses_another(unix_rig, rig):
    with libsession.Session(pin=unix_rig.info["TLS_PIN"]) as s:
        s.verify = False
        assert s.pin == unix_rig.info["TLS_PIN"]
        assert s.get(unix_rig.tls_url("/status/200")).status_code == 200
        with pytest.raises(libsession.exceptions.SSLError, match="pinning failed"):
            s.get(rig.tls_url("/status/200"))
        s.pin = unix_rig.info["TLS_PUBKEY"]  # a PEM key file
        assert s.get(unix_rig.tls_url("/status/200")).status_code == 200


def test_unix_socket_session_request_and_url_form(unix_rig):
    with libsession.Session(unix_socket=unix_rig.unix_path) as s:
        r = s.get("http://example.test/peer")
        assert r.json()["listener"] == "unix:" + unix_rig.unix_path
        headers = dict(s.get("http://example.test/echo").json()["headers"])
        assert headers["Host"] == "example.test"
        # Per request: "" is TCP.
        assert s.get(unix_rig.url("/peer"), unix_socket="").json()["listener"] == "tcp"
    with libsession.Session() as s:
        encoded = unix_rig.unix_path.replace("/", "%2F")
        r = s.get(f"http+unix://{encoded}/peer")
        assert r.json()["listener"] == "unix:" + unix_rig.unix_path
        assert s.get("http://example.test/peer", unix_socket=unix_rig.unix_path).status_code == 200


def test_interface_local_port_and_ip_family(unix_rig):
    with libsession.Session(interface="127.0.0.2", ip_resolve="v4", happy_eyeballs_ms=100) as s:
        assert s.get(unix_rig.url("/peer")).json()["address"] == "127.0.0.2"
        base = 21000 + os.getpid() % 5000
        s.local_port = (base, 20)
        assert base <= s.get(unix_rig.url("/peer")).json()["port"] < base + 20
        s.ip_resolve = "v6"
        with pytest.raises(libsession.exceptions.ConnectionError):
            s.get(f"http://localhost:{unix_rig.port}/peer")


def test_bad_values_raise_at_once():
    with libsession.Session() as s:
        for name, value in [("pin", "sha256//nope"), ("unix_socket", "relative.sock"),
                            ("interface", "dev!eth0"), ("local_port", 70000), ("ip_resolve", "v5"),
                            ("max_recv_speed", -1), ("max_send_speed", "fast"), ("doh_url", "http://x/"),
                            ("happy_eyeballs_ms", -5)]:
            with pytest.raises(libsession.InvalidArgument):
                setattr(s, name, value)
    with pytest.raises(libsession.InvalidArgument):
        libsession.Session(pin="md5//x")
    with pytest.raises(TypeError):
        libsession.Session(no_such_keyword=1)


def test_max_recv_speed_caps_a_download(unix_rig):
    size, cap = 300_000, 200_000
    with libsession.Session(max_recv_speed=cap) as s:
        start = time.monotonic()
        assert len(s.get(unix_rig.url(f"/bytes/{size}")).content) == size
        rate = size / (time.monotonic() - start)
        assert rate < cap * 1.5, rate
        start = time.monotonic()
        assert len(s.get(unix_rig.url(f"/bytes/{size}"), max_recv_speed=0).content) == size
        assert size / (time.monotonic() - start) > cap * 3
