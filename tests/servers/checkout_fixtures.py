"""Shared by the pytest suites (bindings/python/tests, tests/parity): the binding and library of
this checkout, and session-scoped fixtures for the repository's servers on 127.0.0.1."""
import os
import sys

import pytest

import launch


def use_checkout(root):
    """Imports the binding from `root`; outside cargo test (which sets LIBSESSION_LIBRARY),
    loads the debug build of this checkout."""
    sys.path.insert(0, os.path.join(root, "bindings", "python"))
    debug_so = os.path.join(root, "target", "debug", "libsession.so")
    if "LIBSESSION_LIBRARY" not in os.environ and os.path.exists(debug_so):
        os.environ["LIBSESSION_LIBRARY"] = debug_so


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


@pytest.fixture(scope="session")
def proxy():
    server = launch.Server("proxy_server.py", last="READY")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def auth_proxy():
    server = launch.Server("proxy_server.py", ["--auth", "pu:pp"], last="READY")
    yield server
    server.stop()
