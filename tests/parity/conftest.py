"""Fixtures and reporting of the parity suite; the harness itself is in harness.py."""
import pytest

from harness import CLOSED, DIFFERENCES, GAPS, Both  # also puts tests/servers on sys.path
from checkout_fixtures import auth_proxy, httpbin, proxy, rig  # noqa: E402,F401  (fixtures)


@pytest.fixture
def both(httpbin, rig):
    return Both(httpbin, rig)


_scenarios = set()
_passed = set()


def pytest_collection_modifyitems(items):
    _scenarios.update(item.nodeid for item in items if "both" in getattr(item, "fixturenames", ()))


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed and report.nodeid in _scenarios:
        _passed.add(report.nodeid)


def pytest_terminal_summary(terminalreporter):
    tr = terminalreporter
    tr.write_line(f"parity scenarios: {len(_passed)} passed of {len(_scenarios)} ({len(DIFFERENCES)} deliberate differences, {len(GAPS)} known gaps)")
    for name, reason in sorted(DIFFERENCES.items()):
        tr.write_line(f"DIFFERENCE: {name}: {reason}")
    for name, reason in sorted(GAPS.items()):
        tr.write_line(f"GAP: {name}: {reason}")
    for name in sorted(CLOSED):
        tr.write_line(f"GAP CLOSED: {name}: libsession now matches requests; drop its @gap and docs line")
