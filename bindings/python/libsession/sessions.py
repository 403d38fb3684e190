"""Session: requests.Session over one session_t."""
import base64
import json as _json
import os
import threading
from collections.abc import Mapping

from . import exceptions
from ._native import cstr, lib, text
from .cookies import SessionCookies
from .models import Response
from .network import HTTPDigestAuth, Proxies, Retry
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
    if isinstance(auth, (HTTPBasicAuth, BearerAuth, HTTPDigestAuth)):
        return auth
    raise TypeError(
        f"unsupported auth {auth!r}: use (user, password), HTTPBasicAuth, HTTPDigestAuth or BearerAuth")


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
    """(name, value) pairs from a dict or list of pairs; lists repeat a name (None in a list is
    skipped); a value None stays None: the name is not sent, the session's value included."""
    if params is None:
        return []
    items = params.items() if isinstance(params, Mapping) else params
    pairs = []
    for name, value in items:
        if value is None:
            pairs.append((name, None))
            continue
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


def _read_ms(seconds):
    """A read timeout in ms for the C API; None means none (0)."""
    return 0 if seconds is None else _ms(seconds, "read timeout")


_UNSET = object()


def _default_user_agent():
    version = (text(lib().session_version()) or "libsession").split(" ")
    return f"libsession/{version[1]}" if len(version) > 1 else "libsession"


class Session:
    """Cookies, default headers, params, auth and connections kept across requests.

    `retries`: a Retry (or an int, the total) applied to every request (default none)."""

    def __init__(self, retries=None):
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
        self._cert = None
        self._trust_env = True
        self._netrc = False
        self._proxies = Proxies(self._apply_proxy)
        self._retries = Retry(0)
        self.cookies = SessionCookies(self)
        if retries is not None:
            self.retries = retries

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
            elif isinstance(obj, HTTPDigestAuth):
                user, password = cstr(obj.username, "user"), cstr(obj.password, "password")
                exceptions.check(self._call("session_set_digest_auth", user, password), "auth")
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
        """True (system CAs), False (no verification), a CA bundle file or a CA directory
        (OpenSSL's hashed layout, as made by `openssl rehash`), as requests' verify."""
        return self._verify

    @verify.setter
    def verify(self, verify):
        exceptions.check(self._call("session_set_verify", verify is not False), "verify")
        path = os.fspath(verify) if isinstance(verify, (str, os.PathLike)) else None
        is_dir = path is not None and os.path.isdir(path)
        bundle, directory = (None, path) if is_dir else (path, None)
        exceptions.check(self._call("session_set_ca_bundle", cstr(bundle, "CA bundle")), "verify")
        exceptions.check(self._call("session_set_ca_path", cstr(directory, "CA directory")), "verify")
        self._verify = verify

    @property
    def cert(self):
        """Client certificate: None, a PEM file holding certificate and key, (cert, key), or
        (cert, key, password) for an encrypted key (an extension over requests)."""
        return self._cert

    @cert.setter
    def cert(self, cert):
        if cert is None or isinstance(cert, (str, os.PathLike)):
            parts = (cert, None, None)
        elif isinstance(cert, (tuple, list)) and len(cert) in (2, 3):
            parts = (tuple(cert) + (None,))[:3]
        else:
            raise TypeError(f"cert must be a path, (cert, key) or (cert, key, password), got {cert!r}")
        cert_path, key_path, password = (p if p is None or isinstance(p, (str, bytes)) else os.fspath(p)
                                         for p in parts)
        exceptions.check(
            self._call("session_set_client_cert", cstr(cert_path, "cert"), cstr(key_path, "key"),
                       cstr(password, "key password")),
            "cert",
        )
        self._cert = cert

    def _apply_proxy(self, key, url):
        if isinstance(url, (list, tuple)):  # a no_proxy list
            url = ",".join(url)
        exceptions.check(self._call("session_set_proxy", cstr(key, "proxy key"), cstr(url, "proxy URL")),
                         f"proxy {key!r}")

    @property
    def proxies(self):
        """Proxies by requests' keys: "http", "https", "all", "http://host", "https://host",
        "all://host" (most specific wins) and "no_proxy" (a NO_PROXY-style list exempting
        hosts from every proxy, these included). Values http://, https://, socks4://,
        socks4a://, socks5:// or socks5h:// URLs; "" means direct."""
        return self._proxies

    @proxies.setter
    def proxies(self, mapping):
        self._proxies.replace(mapping)

    @property
    def trust_env(self):
        """Whether http_proxy, https_proxy, all_proxy and no_proxy from the environment choose
        proxies for keys `proxies` does not set (default True). Unlike requests it does not
        read ~/.netrc (see `netrc`) nor REQUESTS_CA_BUNDLE."""
        return self._trust_env

    @trust_env.setter
    def trust_env(self, trust):
        exceptions.check(self._call("session_set_trust_env", bool(trust)), "trust_env")
        self._trust_env = bool(trust)

    @property
    def netrc(self):
        """False (default), True ($HOME/.netrc) or the path of a netrc file whose credentials
        are used for hosts a request has no Authorization for."""
        return self._netrc

    @netrc.setter
    def netrc(self, value):
        path = None if isinstance(value, bool) or value is None else os.fspath(value)
        enabled = bool(value)
        exceptions.check(self._call("session_set_netrc", enabled, cstr(path, "netrc path")), "netrc")
        self._netrc = value if enabled else False

    @property
    def retries(self):
        """The Retry policy of every request (an int sets the total alone)."""
        return self._retries

    @retries.setter
    def retries(self, retries):
        policy = Retry.of(retries)
        policy.apply(self._call)
        self._retries = policy

    def set_timeout(self, connect=None, total=None, read=_UNSET):
        """Session connect timeout, total deadline and (when given) read timeout in seconds
        (None: no limit; connect None is libcurl's 300 s). The read timeout fails a transfer
        idle for that long; whole seconds, rounded up (default 300 s)."""
        exceptions.check(
            self._call("session_set_timeout_ms", _ms(connect, "connect"), _ms(total, "total")), "timeout"
        )
        if read is not _UNSET:
            exceptions.check(self._call("session_set_read_timeout_ms", _read_ms(read)), "read timeout")

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
                allow_redirects=True, json=None, retries=None, proxies=None):
        """Sends one request; returns a Response or raises a RequestException subclass.
        `timeout`: seconds, a total deadline covering every redirect and retry; or a
        (connect, read) pair: read is the read (idle) timeout of this request (whole seconds,
        rounded up), connect is not settable per request (the session's applies, see
        set_timeout). `retries`: an int overriding the session's Retry total (a Retry only
        when its other settings are the session's). `proxies` per
        request is not supported (set session.proxies)."""
        if proxies:
            raise exceptions.NotSupported("per-request proxies: set session.proxies instead")
        native = lib()
        if isinstance(params, (str, bytes)):
            url, params = _with_query(url, _text(params)), None
        req = native.session_request_new(cstr(method, "method"), cstr(url, "URL"))
        if not req:
            raise exceptions.InvalidArgument(text(native.session_last_error()) or "bad method or URL")
        try:
            self._build(native, req, params, data, headers, auth, timeout, allow_redirects, json)
            if retries is not None:
                exceptions.check(native.session_request_set_retries(req, self._request_retries(retries)), "retries")
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

    def _request_retries(self, retries):
        """The total of a request's `retries`: the C API overrides only the total per request."""
        policy = Retry.of(retries)
        same = (policy.status_forcelist, policy.allowed_methods) == (
            self._retries.status_forcelist, self._retries.allowed_methods)
        if isinstance(retries, Retry) and not same:
            raise exceptions.NotSupported("per-request retries take a total; set statuses and methods "
                                          "on session.retries")
        return policy.total

    @staticmethod
    def _build(native, req, params, data, headers, auth, timeout, allow_redirects, json):
        check = exceptions.check
        for name, value in _param_pairs(params):
            check(native.session_request_add_param(req, cstr(_text(name), "param name"), cstr(None if value is None else _text(value), "param value")), "param")
        for name, value in (headers or {}).items():
            if auth is not None and name.lower() == "authorization":
                continue  # a request's own auth wins over its Authorization header (as requests)
            value = None if value is None else _text(value)
            check(native.session_request_set_header(req, cstr(name, "header name"), cstr(value, "header value")), f"header {name!r}")
        if auth is not None:
            obj = _auth_object(auth)
            if isinstance(obj, HTTPDigestAuth):
                user, password = cstr(obj.username, "user"), cstr(obj.password, "password")
                check(native.session_request_set_digest_auth(req, user, password), "auth")
            else:
                value = obj.header_value()
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
                    if value is None:
                        continue  # requests drops None form values
                    check(native.session_request_add_form(req, cstr(_text(name), "form name"), cstr(_text(value), "form value")), "form")
        elif json is not None:
            body = _json.dumps(json, allow_nan=False)
            check(native.session_request_set_json(req, cstr(body, "JSON")), "json")
        if isinstance(timeout, (tuple, list)):
            if len(timeout) != 2:
                raise ValueError(f"timeout must be seconds or a (connect, read) pair, got {timeout!r}")
            check(native.session_request_set_read_timeout_ms(req, _read_ms(timeout[1])), "read timeout")
        elif timeout is not None:
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
