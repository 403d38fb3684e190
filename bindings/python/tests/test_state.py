"""Session state from Python (docs/state.md): HSTS learned from the TLS rig, save() and
load() in a new session and a new process, bad files, https_only, sensitive headers."""
import os
import subprocess
import sys

import pytest

import libsession
from libsession import exceptions


def session_for(rig):
    s = libsession.Session()
    s.verify = rig.ca_pem
    for port in (rig.port, rig.tls_port):
        s.set_resolve("hsts.test", port, "127.0.0.1")
    return s


def test_hsts_learned_saved_and_loaded(rig, tmp_path):
    s = session_for(rig)
    assert s.hsts and not s.hsts_lookup("hsts.test")
    assert s.get(rig.tls_url("/sts?v=max-age=600", host="hsts.test")).status_code == 200
    assert s.hsts_lookup("hsts.test")
    s.get(rig.tls_url("/set-raw?h=sid%3D1%3B%20Secure%3B%20Max-Age%3D600", host="hsts.test"))
    r = s.get(f"http://hsts.test:{rig.tls_port}/echo")
    assert r.url == rig.tls_url("/echo", host="hsts.test")
    path = tmp_path / "state.json"
    s.save(path)
    assert os.stat(path).st_mode & 0o777 == 0o600

    # Another process loads it: the HSTS entry upgrades, the Secure cookie goes along.
    code = f"""
import libsession
s = libsession.Session()
s.verify = {rig.ca_pem!r}
s.set_resolve("hsts.test", {rig.tls_port}, "127.0.0.1")
s.load({str(path)!r})
r = s.get("http://hsts.test:{rig.tls_port}/echo")
assert r.url.startswith("https://"), r.url
assert "sid=1" in r.text, r.text
print("OK")
"""
    package = os.path.dirname(os.path.dirname(libsession.__file__))
    env = {**os.environ, "PYTHONPATH": package}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.stdout.strip() == "OK", out.stderr
    s.hsts_clear()
    assert not s.hsts_lookup("hsts.test")
    s.close()


def test_bad_files_raise_and_change_nothing(tmp_path):
    s = libsession.Session()
    s.hsts_add("mine.test", 600, include_subdomains=True)
    with pytest.raises(exceptions.InvalidArgument):
        s.hsts_add("127.0.0.1", 600)
    with pytest.raises(exceptions.InvalidArgument):
        s.hsts_add("co.uk", 600)
    bad = tmp_path / "bad.json"
    bad.write_text('{"libsession_state": 2, "saved_at": 0, "cookies": [], "hsts": []}')
    os.chmod(bad, 0o600)
    with pytest.raises(libsession.RequestException, match="version 2"):
        s.load(bad)
    os.chmod(bad, 0o666)
    with pytest.raises(libsession.RequestException, match="writable by group or others"):
        s.load(bad)
    with pytest.raises(libsession.RequestException):
        s.load(tmp_path / "missing.json")
    assert s.hsts_lookup("a.mine.test")
    s.close()


def test_https_only_and_sensitive_headers(rig):
    s = session_for(rig)
    s.sensitive_headers = ["X-Api-Key"]
    assert s.sensitive_headers == ("X-Api-Key",)
    s.headers["X-Api-Key"] = "k3y"
    other = rig.url("/echo", host="localhost")
    r = s.get(rig.url(f"/redirect?to={other}"))
    assert r.status_code == 200 and "k3y" not in r.text
    assert "k3y" in s.get(rig.url("/echo")).text
    s.https_only = True
    with pytest.raises(exceptions.InvalidURL):
        s.get(rig.url("/echo"))
    assert s.get(rig.tls_url("/echo", host="hsts.test")).status_code == 200
    s.close()
