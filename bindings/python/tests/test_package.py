"""Loading, installing, memory and threads."""
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

import libsession
from libsession import _native

PACKAGE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_c_responses_are_freed(rig):
    url = rig.url("/bytes/200000")
    with libsession.Session() as s:
        for _ in range(50):  # warm up allocator and pool
            s.get(url)
        before = rss_bytes()
        for _ in range(1000):  # 200 MB if the C responses leaked
            assert len(s.get(url).content) == 200000
        grown = rss_bytes() - before
    assert grown < 40 * 1024 * 1024, f"RSS grew by {grown} bytes"


def test_threads_share_one_session(httpbin):
    errors, results = [], []
    with libsession.Session() as s:
        s.headers["X-Shared"] = "1"

        def work(i):
            try:
                for j in range(10):
                    r = s.get(httpbin.url("/get"), params={"t": i, "j": j})
                    results.append((r.json()["args"], r.json()["headers"]["X-Shared"]))
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert sorted((a["t"], a["j"]) for a, _ in results) == [(str(i), str(j)) for i in range(4) for j in range(10)]
    assert {h for _, h in results} == {"1"}


def run_python(code, env_updates, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("LIBSESSION_LIBRARY", "PYTHONPATH")}
    env.update(env_updates)
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_pip_install_and_library_next_to_package(tmp_path, httpbin):
    target, source = tmp_path / "site", tmp_path / "src"
    # setuptools writes build/ and *.egg-info into the source tree: build a copy
    shutil.copytree(PACKAGE_DIR, source, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info", "*.so"))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
         "--disable-pip-version-check", "--target", str(target), str(source)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    installed = target / "libsession"
    assert (installed / "sessions.py").is_file()
    shutil.copy(_native.lib().path, installed / "libsession.so")
    code = (
        "import libsession, libsession._native as n\n"
        f"r = libsession.get({httpbin.url('/get')!r}, params={{'via': 'installed'}})\n"
        "print(n.lib().path)\nprint(r.json()['args']['via'])\n"
    )
    out = run_python(code, {"PYTHONPATH": str(target)}, tmp_path)
    assert out.returncode == 0, out.stderr
    path, via = out.stdout.split()
    assert path == str(installed / "libsession.so") and via == "installed"


def test_missing_library_is_a_clear_error(tmp_path):
    out = run_python(
        "import libsession\nlibsession.Session()",
        {"PYTHONPATH": PACKAGE_DIR, "LIBSESSION_LIBRARY": str(tmp_path / "nope.so")},
        tmp_path,
    )
    assert out.returncode != 0 and "LIBSESSION_LIBRARY" in out.stderr and "nope.so" in out.stderr


def test_env_var_wins(tmp_path):
    out = run_python(
        "import libsession._native as n; print(n.lib().path)",
        {"PYTHONPATH": PACKAGE_DIR, "LIBSESSION_LIBRARY": _native.lib().path},
        tmp_path,
    )
    assert out.stdout.strip() == _native.lib().path, out.stderr


def test_close_waits_for_requests_in_flight(rig, monkeypatch):
    native = _native.lib()
    real_send, returned = native.session_send, []

    def send(*args):
        response = real_send(*args)
        returned.append(True)
        return response

    monkeypatch.setattr(native, "session_send", send)
    s = libsession.Session()

    def slow():
        with pytest.raises(libsession.Timeout):
            s.get(rig.url("/hang"), timeout=0.5)

    t = threading.Thread(target=slow)
    t.start()
    deadline = time.monotonic() + 10
    while not s._busy and time.monotonic() < deadline:  # wait until the request is in C
        time.sleep(0.01)
    assert s._busy == 1
    s.close()  # must not free the C session under the running request: waits for it
    assert returned == [True]
    t.join()
    with pytest.raises(libsession.InvalidArgument, match="closed"):
        s.get(rig.url("/echo"))
