"""pytest plugin (-p requests_shim): `import requests` gives libsession's Session, request
functions, CaseInsensitiveDict and auth classes, so that requests' own test suite
(tests/test_requests.py of the pinned requests sdist) runs against the binding unedited.

Everything else in `requests` stays requests' own: Request/PreparedRequest, cookies, utils,
adapters and requests.exceptions (libsession's exceptions subclass those, so
`pytest.raises(requests.ConnectionError)` catches libsession's). Each test records whether it
reached libsession at all (TOUCHED), which run.py reports.
"""
import functools

import requests
import requests.api
import requests.auth
import requests.sessions
import requests.structures

import libsession
from libsession import sessions as _ls_sessions

TOUCHED = {"count": 0}


def _touch(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        TOUCHED["count"] += 1
        return fn(*args, **kwargs)
    return wrapper


_init = libsession.Session.__init__
libsession.Session.__init__ = _touch(_init)
_ls_sessions.SessionCookies.__init__ = _touch(_ls_sessions.SessionCookies.__init__)
libsession.CaseInsensitiveDict.__init__ = _touch(libsession.CaseInsensitiveDict.__init__)

requests.Session = requests.sessions.Session = libsession.Session
requests.session = requests.sessions.session = libsession.session
for _name in ("request", "get", "options", "head", "post", "put", "patch", "delete"):
    setattr(requests, _name, getattr(libsession, _name))
    setattr(requests.api, _name, getattr(libsession, _name))
requests.structures.CaseInsensitiveDict = libsession.CaseInsensitiveDict
requests.auth.HTTPBasicAuth = libsession.HTTPBasicAuth
requests.auth.HTTPDigestAuth = libsession.HTTPDigestAuth


def pytest_runtest_setup(item):
    TOUCHED["count"] = 0


def pytest_runtest_makereport(item, call):
    if call.when == "call":
        item.user_properties.append(("libsession_touched", TOUCHED["count"] > 0))
