"""Session: requests.Session over one session_t."""
import base64
import json as _json
import threading
from collections.abc import Mapping

from . import exceptions
from ._native import cstr, lib, text
from .cookies import SessionCookies
from .models import Response
from .structures import CaseInsensitiveDict


class HTTPBasicAuth:
    """Basic credentials (a (user, password) tuple means the same)."""

    def __init__(self, username, password):
        self.username, self.password = username, password

    def header_value(self):
        raw = f"{self.username}:{self.password}".encode("utf-8")
        return "Basic " + base64.b64encode(raw).decode("ascii")


class BearerAuth:
    """"Authorization: Bearer <token>"."""

    def __init__(self, token):
        self.token = token

    def header_value(self):
        return f"Bearer {self.token}"


def _auth_object(auth):
    if isinstance(auth, (tuple, list)) and len(auth) == 2:
        return HTTPBasicAuth(*auth)
    if isinstance(auth, (HTTPBasicAuth, BearerAuth)):
        return auth
    raise TypeError(f"unsupported auth {auth!r}: use (user, password), HTTPBasicAuth or BearerAuth")


class _Defaults(CaseInsensitiveDict):
    """A mapping whose changes are written through to the C session by `apply(name, value)`;
    value None means "removed"."""

    def __init__(self, apply, initial):
        self._apply = apply
        super().__init__()
        for k, v in initial.items():
            CaseInsensitiveDict.__setitem__(self, k, v)

    def __setitem__(self, key, value):
        self._apply(key, value)
        super().__setitem__(key, value)

    def __delitem__(self, key):
        super().__delitem__(key)
        self._apply(key, None)

    def replace(self, mapping):
        for key in [k for k in self if k not in CaseInsensitiveDict(mapping)]:
            del self[key]
        for key, value in mapping.items():
            self[key] = value


def _param_pairs(params):
    """(name, value) pairs from a dict or list of pairs; lists repeat a name, None is skipped."""
    if params is None:
        return []
    items = params.items() if isinstance(params, Mapping) else params
    pairs = []
    for name, value in items:
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs += [(name, v) for v in values if v is not None]
    return pairs


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _ms(seconds, what):
    if seconds is None:
        return 0
    if seconds <= 0:
        raise ValueError(f"{what} must be positive, got {seconds!r}")
    return max(1, round(seconds * 1000))


def _default_user_agent():
    version = (text(lib().session_version()) or "libsession").split(" ")
    return f"libsession/{version[1]}" if len(version) > 1 else "libsession"


class Session:
    """Cookies, default headers, params, auth and connections kept across requests."""

    def __init__(self):
        native = lib()
        self._cond = threading.Condition()
        self._busy = 0  # calls in flight on the C session; close() waits for them
        self._ptr = native.session_new()
        if not self._ptr:
            raise exceptions.OutOfMemory("session_new failed")
        self._headers = _Defaults(self._apply_header, {"User-Agent": _default_user_agent(), "Accept": "*/*"})
        self._params = _Defaults(self._apply_param, {})
        self._auth = None
        self._max_redirects = 30
        self._verify = True
        self.cookies = SessionCookies(self)

    # lifetime
    def _call(self, name, *args):
        """Calls C function `name` with the session pointer first; the session cannot be
        freed by close() on another thread meanwhile."""
        with self._cond:
            if not self._ptr:
                raise exceptions.InvalidArgument("the session is closed")
            ptr = self._ptr
            self._busy += 1
        try:
            return getattr(lib(), name)(ptr, *args)
        finally:
            with self._cond:
                self._busy -= 1
                if not self._busy:
                    self._cond.notify_all()

    def close(self):
        """Frees the C session and closes its connections, after waiting for requests in
        flight on other threads; later use raises InvalidArgument."""
        with self._cond:
            ptr, self._ptr = self._ptr, None
            while self._busy:
                self._cond.wait()
        if ptr:
            lib().session_free(ptr)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    # defaults
    def _apply_header(self, name, value):
        exceptions.check(
            self._call("session_set_header", cstr(name, "header name"), cstr(value, "header value")),
            f"header {name!r}",
        )

    def _apply_param(self, name, value):
        if isinstance(value, (list, tuple)):
            raise exceptions.NotSupported("session params take one value per name")
        value = None if value is None else _text(value)
        exceptions.check(
            self._call("session_set_param", cstr(name, "param name"), cstr(value, "param value")),
            f"param {name!r}",
        )

    @property
    def headers(self):
        """Default headers; a value None (or deleting the key) stops the header being sent."""
        return self._headers

    @headers.setter
    def headers(self, mapping):
        self._headers.replace(mapping)

    @property
    def params(self):
        """Default query parameters, one value per name; a request's value of the same name wins."""
        return self._params

    @params.setter
    def params(self, mapping):
        self._params.replace(mapping)

    @property
    def auth(self):
        return self._auth

    @auth.setter
    def auth(self, auth):
        if auth is None:
            exceptions.check(self._call("session_set_basic_auth", None, None), "auth")
        else:
            obj = _auth_object(auth)
            if isinstance(obj, BearerAuth):
                exceptions.check(self._call("session_set_bearer_token", cstr(obj.token, "token")), "auth")
            else:
                user, password = cstr(obj.username, "user"), cstr(obj.password, "password")
                exceptions.check(self._call("session_set_basic_auth", user, password), "auth")
        self._auth = auth

    @property
    def max_redirects(self):
        return self._max_redirects

    @max_redirects.setter
    def max_redirects(self, n):
        exceptions.check(self._call("session_set_max_redirects", int(n)), "max_redirects")
        self._max_redirects = int(n)

    @property
    def verify(self):
        """True (system CAs), False (no verification) or a CA bundle path."""
        return self._verify

    @verify.setter
    def verify(self, verify):
        exceptions.check(self._call("session_set_verify", verify is not False), "verify")
        bundle = verify if isinstance(verify, str) else None
        exceptions.check(self._call("session_set_ca_bundle", cstr(bundle, "CA bundle")), "verify")
        self._verify = verify

    def set_timeout(self, connect=None, total=None):
        """Session connect timeout and total deadline in seconds (None: no limit)."""
        exceptions.check(
            self._call("session_set_timeout_ms", _ms(connect, "connect"), _ms(total, "total")), "timeout"
        )

    def set_max_body_size(self, nbytes):
        """Caps response bodies at nbytes (0: unlimited); larger ones raise TooLarge."""
        exceptions.check(self._call("session_set_max_body_size", int(nbytes)), "max body size")

    def set_resolve(self, host, port, address):
        """Connections to host:port go to `address` (None removes the override)."""
        exceptions.check(
            self._call("session_set_resolve", cstr(host, "host"), int(port), cstr(address, "address")),
            "resolve",
        )

    # requests
    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=True, json=None):
        """Sends one request; returns a Response or raises a RequestException subclass.
        `timeout` (seconds, or a (connect, read) pair whose sum is used) is a total deadline
        covering every redirect."""
        native = lib()
        if isinstance(params, (str, bytes)):
            url, params = _with_query(url, _text(params)), None
        req = native.session_request_new(cstr(method, "method"), cstr(url, "URL"))
        if not req:
            raise exceptions.InvalidArgument(text(native.session_last_error()) or "bad method or URL")
        try:
            self._build(native, req, params, data, headers, auth, timeout, allow_redirects, json)
            ptr = self._call("session_send", req)
        finally:
            native.session_request_free(req)
        if not ptr:
            raise exceptions.OutOfMemory("session_send returned NULL")
        try:
            response = Response._from_c(ptr)
        finally:
            native.session_response_free(ptr)
        if response.error_code:
            raise exceptions.from_code(
                response.error_code,
                response.error_message or text(native.session_strerror(response.error_code)),
                response=response if response.status_code else None,
            )
        return response

    @staticmethod
    def _build(native, req, params, data, headers, auth, timeout, allow_redirects, json):
        check = exceptions.check
        for name, value in _param_pairs(params):
            check(native.session_request_add_param(req, cstr(_text(name), "param name"), cstr(_text(value), "param value")), "param")
        for name, value in (headers or {}).items():
            value = None if value is None else _text(value)
            check(native.session_request_set_header(req, cstr(name, "header name"), cstr(value, "header value")), f"header {name!r}")
        if auth is not None:  # a request's own auth wins over its Authorization header (as requests)
            value = _auth_object(auth).header_value()
            check(native.session_request_set_header(req, b"Authorization", cstr(value, "auth")), "auth")
        if data:
            if hasattr(data, "read"):
                data = data.read()
            if isinstance(data, str):
                data = data.encode("utf-8")
            if isinstance(data, (bytes, bytearray, memoryview)):
                data = bytes(data)
                check(native.session_request_set_body(req, data, len(data), None), "data")
            else:
                for name, value in _param_pairs(data):
                    check(native.session_request_add_form(req, cstr(_text(name), "form name"), cstr(_text(value), "form value")), "form")
        elif json is not None:
            body = _json.dumps(json, allow_nan=False)
            check(native.session_request_set_json(req, cstr(body, "JSON")), "json")
        if timeout is not None:
            if isinstance(timeout, tuple):
                timeout = sum(t for t in timeout if t is not None) or None
            if timeout is not None:
                check(native.session_request_set_timeout_ms(req, _ms(timeout, "timeout")), "timeout")
        check(native.session_request_set_allow_redirects(req, bool(allow_redirects)), "allow_redirects")

    def get(self, url, params=None, **kwargs):
        return self.request("GET", url, params=params, **kwargs)

    def head(self, url, **kwargs):
        kwargs.setdefault("allow_redirects", False)  # as requests
        return self.request("HEAD", url, **kwargs)

    def options(self, url, **kwargs):
        return self.request("OPTIONS", url, **kwargs)

    def post(self, url, data=None, json=None, **kwargs):
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url, data=None, **kwargs):
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url, data=None, **kwargs):
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url, **kwargs):
        return self.request("DELETE", url, **kwargs)


def _with_query(url, query):
    base, hash_, fragment = url.partition("#")
    return f"{base}{'&' if '?' in base else '?'}{query}{hash_}{fragment}"
