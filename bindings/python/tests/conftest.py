"""Fixtures: the repository's test servers on 127.0.0.1, and the binding from this checkout."""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.dont_write_bytecode = True  # keep tests/servers and the package free of __pycache__
sys.path.insert(0, os.path.join(ROOT, "tests", "servers"))

from checkout_fixtures import auth_proxy, httpbin, proxy, rig, use_checkout  # noqa: E402,F401  (fixtures)

use_checkout(ROOT)
