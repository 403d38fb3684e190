"""libsession for Python: a requests-like Session over the libsession C library (ctypes).

    import libsession
    with libsession.Session() as s:
        s.headers["X-Client"] = "demo"
        r = s.get("http://127.0.0.1:8080/get", params={"q": "1"})
        r.raise_for_status()
        print(r.status_code, r.json())

The shared library is found through $LIBSESSION_LIBRARY, then next to this package, then
the system's library path (ctypes.util.find_library("session")).
"""
from . import exceptions  # noqa: F401
from .cookies import Cookie, SessionCookies  # noqa: F401
from .exceptions import (  # noqa: F401
    Cancelled,
    ChunkedEncodingError,
    ConnectionError,
    ConnectTimeout,
    ContentDecodingError,
    CookieConflictError,
    HTTPError,
    InternalError,
    InvalidArgument,
    InvalidHeader,
    InvalidSchema,
    InvalidURL,
    JSONDecodeError,
    LocalIOError,
    MissingSchema,
    NotCached,
    NotRecorded,
    NotSupported,
    OutOfMemory,
    ProxyError,
    ReadTimeout,
    RequestException,
    ResolveError,
    SSLError,
    Timeout,
    TooLarge,
    TooManyRedirects,
    UpgradeRefused,
)
from .models import Response  # noqa: F401
from .network import HTTPDigestAuth, Retry  # noqa: F401
from .sessions import BearerAuth, Future, HTTPBasicAuth, Session  # noqa: F401
from .structures import CaseInsensitiveDict  # noqa: F401

__version__ = "0.1.0"


def library_version():
    """session_version() of the loaded C library: "libsession X.Y.Z (libcurl A.B.C)"."""
    from ._native import lib, text

    return text(lib().session_version())


def session():
    """A new Session (requests.session)."""
    return Session()


def request(method, url, **kwargs):
    """One request on a throwaway Session (as requests.request); `verify`, `cert` and
    `proxies` are set on that session."""
    with Session() as s:
        for name in ("verify", "cert", "proxies"):
            value = kwargs.pop(name, None)
            if value is not None:
                setattr(s, name, value)
        return s.request(method, url, **kwargs)


def get(url, params=None, **kwargs):
    return request("GET", url, params=params, **kwargs)


def options(url, **kwargs):
    return request("OPTIONS", url, **kwargs)


def head(url, **kwargs):
    kwargs.setdefault("allow_redirects", False)
    return request("HEAD", url, **kwargs)


def post(url, data=None, json=None, **kwargs):
    return request("POST", url, data=data, json=json, **kwargs)


def put(url, data=None, **kwargs):
    return request("PUT", url, data=data, **kwargs)


def patch(url, data=None, **kwargs):
    return request("PATCH", url, data=data, **kwargs)


def delete(url, **kwargs):
    return request("DELETE", url, **kwargs)
