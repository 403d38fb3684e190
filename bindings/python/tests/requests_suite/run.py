"""Runs requests' own test suite (tests/test_requests.py of the pinned requests sdist that
scripts/ensure-venv.sh unpacks into .venv/requests-suite) against the binding, through
requests_shim.py, and gates the result on expectations.py:

- tests in NOT_HERE are deselected (they need the network beyond 127.0.0.1);
- tests in CANNOT_APPLY run, but do not count either way (they test HTTPAdapter, urllib3 or
  requests' internals, which libsession does not have);
- tests in KNOWN_FAILURES may fail (deliberate differences, or not done yet);
- every other test must pass (or skip/xfail as the suite itself decides), and at least
  MIN_PASSED tests must pass.

Prints "requests suite: N passed, N failed, N cannot apply, N not run here" (and details),
and exits 1 when the gate fails.
Usage: python run.py SUITE_DIR [pytest args...]
"""
import fnmatch
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..", "..")))  # the binding of this checkout

import expectations  # noqa: E402


def _match(nodeid, patterns):
    name = nodeid.split("::", 1)[-1]
    for pattern, reason in patterns.items():
        if fnmatch.fnmatchcase(name, pattern):
            return reason
    return None


class Collector:
    def __init__(self):
        self.outcomes = {}  # nodeid -> (outcome, touched libsession)
        self.not_here = []

    def pytest_collection_modifyitems(self, config, items):
        keep, drop = [], []
        for item in items:
            (drop if _match(item.nodeid, expectations.NOT_HERE) else keep).append(item)
        items[:] = keep
        config.hook.pytest_deselected(items=drop)
        self.not_here = [i.nodeid for i in drop]

    def pytest_runtest_logreport(self, report):
        touched = dict(report.user_properties).get("libsession_touched", False)
        prev = self.outcomes.get(report.nodeid, ("passed", False))
        if report.when == "call" or (report.when == "setup" and not report.passed):
            outcome = "skipped" if report.skipped else report.outcome
            if hasattr(report, "wasxfail"):
                outcome = "xfailed" if report.skipped else "xpassed"
            self.outcomes[report.nodeid] = (outcome, touched or prev[1])
        elif report.when == "teardown" and report.failed:
            self.outcomes[report.nodeid] = ("failed", prev[1])


def main(argv):
    suite, extra = os.path.abspath(argv[0]), argv[1:]
    tests = os.path.join(suite, "tests", "test_requests.py")
    collector = Collector()
    os.chdir(suite)
    code = pytest.main(["-p", "no:cacheprovider", "-p", "requests_shim", "-q", "--tb=short",
                        "-o", "console_output_style=classic", tests] + extra, plugins=[collector])
    groups = {"passed": [], "failed": [], "cannot": [], "known": [], "fixed": [], "other": []}
    untouched = []
    for nodeid, (outcome, touched) in collector.outcomes.items():
        if _match(nodeid, expectations.CANNOT_APPLY):
            groups["cannot"].append(nodeid)
        elif outcome == "failed":
            groups["known" if _match(nodeid, expectations.KNOWN_FAILURES) else "failed"].append(nodeid)
        elif outcome == "passed":
            groups["passed"].append(nodeid)
            if _match(nodeid, expectations.KNOWN_FAILURES):
                groups["fixed"].append(nodeid)
            if not touched:
                untouched.append(nodeid)
        else:
            groups["other"].append(nodeid)
    passed, failed = len(groups["passed"]), len(groups["known"]) + len(groups["failed"])
    print(f"\nrequests suite: {passed} passed, {failed} failed "
          f"({len(groups['known'])} listed in expectations.KNOWN_FAILURES, {len(groups['failed'])} unexpected), "
          f"{len(groups['cannot'])} cannot apply, {len(collector.not_here)} not run here, "
          f"{len(groups['other'])} skipped or xfailed by the suite")
    print(f"requests suite: {passed - len(untouched)} of the {passed} passed went through libsession; "
          f"{len(untouched)} exercise only requests' own code (Request/PreparedRequest, utils)")
    for label, ids, table in (("cannot apply", groups["cannot"], expectations.CANNOT_APPLY),
                              ("known failure", groups["known"], expectations.KNOWN_FAILURES)):
        counts = {}
        for nodeid in ids:
            reason = _match(nodeid, table)
            counts[reason] = counts.get(reason, 0) + 1
        for reason, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            print(f"requests suite: {label} x{n}: {reason}")
    for nodeid in sorted(groups["fixed"]):
        print(f"requests suite: now passes, remove from KNOWN_FAILURES: {nodeid}")
    ok = True
    for nodeid in sorted(groups["failed"]):
        print(f"requests suite: UNEXPECTED FAILURE {nodeid}")
        ok = False
    if passed < expectations.MIN_PASSED:
        print(f"requests suite: only {passed} passed, fewer than MIN_PASSED={expectations.MIN_PASSED}")
        ok = False
    if code not in (0, 1):  # 1: some tests failed (judged above); others: usage/internal errors
        print(f"requests suite: pytest exited with {code}")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
