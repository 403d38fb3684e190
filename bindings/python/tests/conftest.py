"""Fixtures: the repository's test servers on 127.0.0.1, and the binding from this checkout."""
import os
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
sys.dont_write_bytecode = True  # keep tests/servers and the package free of __pycache__
sys.path.insert(0, os.path.join(ROOT, "tests", "servers"))

# Outside cargo test (which sets it), default to the debug build of this checkout.
_debug_so = os.path.join(ROOT, "target", "debug", "libsession.so")
if "LIBSESSION_LIBRARY" not in os.environ and os.path.exists(_debug_so):
    os.environ["LIBSESSION_LIBRARY"] = _debug_so

import launch  # noqa: E402


@pytest.fixture(scope="session")
def httpbin():
    server = launch.httpbin()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rig():
    server = launch.rig(tls=True)
    yield server
    server.stop()
