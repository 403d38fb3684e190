"""docs/parity.md lists every deliberate difference and known gap of this suite."""
import os

import test_auth, test_bodies, test_cookies, test_digest, test_errors, test_params_headers, test_proxies, test_redirects, test_retries  # noqa: F401,E401,E501
from harness import DIFFERENCES, GAPS, ROOT


def test_every_difference_and_gap_is_documented():
    with open(os.path.join(ROOT, "docs", "parity.md"), encoding="utf-8") as f:
        doc = f.read()
    differences, gaps = doc.split("## Known gaps")
    assert DIFFERENCES and GAPS
    for name in DIFFERENCES:
        assert f"`{name}`" in differences, f"{name} is not listed under the deliberate differences"
    for name in GAPS:
        assert f"`{name}`" in gaps, f"{name} is not listed under the known gaps"
