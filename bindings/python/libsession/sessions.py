"""Session: requests.Session over one session_t."""
import base64
import ctypes
import json as _json
import os
import threading
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from . import _native as _n
from . import exceptions
from ._native import cstr, lib, text
from . import connect as _connect
from .cookies import SessionCookies
from .models import Response, SentRequest
from .network import HTTPDigestAuth, Proxies, Retry
from .state import StateMixin
from .structures import CaseInsensitiveDict


class HTTPBasicAuth:
    """Basic credentials (a (user, password) tuple means the same). Like requests' auth
    classes it can also be called on a prepared request to set its Authorization header."""

    def __init__(self, username, password):
        self.username, self.password = username, password

    def header_value(self):
        user, password = self.username, self.password
        user = user if isinstance(user, bytes) else str(user).encode("utf-8")
        password = password if isinstance(password, bytes) else str(password).encode("utf-8")
        return "Basic " + base64.b64encode(user + b":" + password).decode("ascii")

    def __call__(self, r):
        r.headers["Authorization"] = self.header_value()
        return r

    def __eq__(self, other):
        return (getattr(self, "username", None), getattr(self, "password", None)) == (
            getattr(other, "username", None), getattr(other, "password", None))

    def __ne__(self, other):
        return not self == other


class BearerAuth:
    """"Authorization: Bearer <token>"."""

    def __init__(self, token):
        self.token = token

    def header_value(self):
        return f"Bearer {self.token}"

    def __call__(self, r):
        r.headers["Authorization"] = self.header_value()
        return r


def _auth_object(auth):
    if isinstance(auth, (tuple, list)) and len(auth) == 2:
        return HTTPBasicAuth(*auth)
    if isinstance(auth, (HTTPBasicAuth, BearerAuth, HTTPDigestAuth)) or callable(auth):
        return auth  # a callable: requests' AuthBase protocol, auth(prepared) -> prepared
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
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ValueError(f"Timeout value {what} was {seconds}, but it must be an int, float or None.")
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


class Session(StateMixin, _connect.ConnectSettings):
    """Cookies, default headers, params, auth and connections kept across requests.

    `retries`: a Retry (or an int, the total) applied to every request (default none).
    `replay`: a HAR file to record to or answer from, in `mode` "record", "playback" (the
    default: never touches the network) or "auto" (see set_replay). `har`: a HAR file every
    exchange is logged to (see set_har_log). `cache`: a private HTTP cache (RFC 9111): True
    for one in memory, or a directory path (shared by sessions and processes), bounded by
    `cache_max_bytes` (see set_cache).
    How connections are made, as keywords or properties (libsession.connect):
    `unix_socket`, `pin`, `interface`, `local_port`, `ip_resolve`, `happy_eyeballs_ms`,
    `max_recv_speed`, `max_send_speed`, `doh_url`."""

    def __init__(self, retries=None, replay=None, mode="playback", har=None, cache=None,
                 cache_max_bytes=64 << 20, **network):
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
        self._http_version = None
        self._native_hook = None  # the CFUNCTYPE objects C holds, kept alive here
        self._debug_cb = None
        self._cookies = SessionCookies(self)
        self.hooks = {"response": []}
        self.stream = False
        if retries is not None:
            self.retries = retries
        self._init_connect(network)
        if replay is not None:
            self.set_replay(replay, mode)
        if har is not None:
            self.set_har_log(har)
        if cache is not None and cache is not False:
            self.set_cache(None if cache is True or cache == "memory" else cache, cache_max_bytes)

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

    # HAR export and record/replay (docs/har-replay.md)
    def set_har_log(self, path, redact=True, bodies=True, max_body=1 << 20):
        """Logs every exchange (each redirect hop and retry, batches and futures too) to the
        HAR 1.2 file `path`, complete after each entry; None stops. Secrets are redacted
        unless `redact` is False; bodies are cut after `max_body` bytes (0: no cap) or left
        out (`bodies` False)."""
        exceptions.check(self._call("session_set_har_options", bool(redact), bool(bodies), int(max_body)), "HAR options")
        target = None if path is None else cstr(os.fspath(path), "HAR path")
        exceptions.check(self._call("session_set_har_log", target), "HAR log")

    def har_flush(self):
        """Pushes the HAR log (and a recording replay file) to the disk."""
        exceptions.check(self._call("session_har_flush"), "HAR flush")

    def set_replay(self, path, mode="playback"):
        """Records to or replays from the HAR file `path`: "record" sends and writes every
        exchange (a new file), "playback" answers from it and never touches the network
        (NotRecorded for a request it lacks), "auto" answers what it holds and records the
        rest, "off" (or path None) stops. Redirects, cookies, retries and hooks run on the
        recorded responses as they do live."""
        if path is None:
            mode = "off"
        if mode not in _n.REPLAY_MODES:
            raise ValueError(f"replay mode {mode!r}: use one of {sorted(_n.REPLAY_MODES)}")
        target = None if path is None else cstr(os.fspath(path), "replay path")
        exceptions.check(self._call("session_set_replay", target, _n.REPLAY_MODES[mode]), "replay")

    def set_replay_matching(self, match_headers=None, ignore_headers=None, ignore_params=None):
        """What replay compares besides method, URL and body: `match_headers` (names, or
        "*" for all), `ignore_headers` (left out of "*"), `ignore_params` (query parameters
        left out of the URL). Each a list of names or a comma-separated string; None for none."""
        def names(value, what):
            if value is None or isinstance(value, str):
                return cstr(value, what)
            return cstr(",".join(value), what)
        code = self._call("session_set_replay_matching", names(match_headers, "match_headers"),
                          names(ignore_headers, "ignore_headers"), names(ignore_params, "ignore_params"))
        exceptions.check(code, "replay matching")

    # the HTTP cache (docs/cache.md)
    def set_cache(self, directory=None, max_bytes=64 << 20):
        """Switches the private HTTP cache on: in memory (`directory` None) or in a directory
        several sessions and processes may share, bounded by `max_bytes` (least recently
        used first out); max_bytes 0 turns it off. Per request, `cache_mode` is "default",
        "no-store", "no-cache", "force-cache" or "only-if-cached" (NotCached on a miss);
        Response.cache_status says "none", "miss", "hit", "revalidated" or "stale"."""
        target = None if directory is None else cstr(os.fspath(directory), "cache directory")
        exceptions.check(self._call("session_set_cache", target, int(max_bytes)), "cache")

    # defaults
    def _apply_header(self, name, value):
        name, value = _header_strings(name, value)
        code = self._call("session_set_header", cstr(name, "header name"), cstr(value, "header value"))
        if code == 1:
            raise exceptions.InvalidHeader(f"Invalid header {name!r}: {text(lib().session_last_error())}", code=1)
        exceptions.check(code, f"header {name!r}")

    def _apply_param(self, name, value):
        if isinstance(value, (list, tuple)):
            raise exceptions.NotSupported("session params take one value per name")
        value = None if value is None else _text(value)
        exceptions.check(
            self._call("session_set_param", cstr(name, "param name"), cstr(value, "param value")),
            f"param {name!r}",
        )

    @property
    def cookies(self):
        """The session's cookie jar in the C library (a live mapping, see SessionCookies)."""
        return self._cookies

    @cookies.setter
    def cookies(self, jar):
        """Replaces the jar's content with the cookies of `jar` (a mapping or a CookieJar);
        session.cookies stays the live view of the C jar."""
        if jar is self._cookies:
            return
        self._cookies.clear()
        self._cookies.update(jar or {})

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
            elif not isinstance(obj, HTTPBasicAuth):  # a callable, applied per request
                exceptions.check(self._call("session_set_basic_auth", None, None), "auth")
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
        if url and key != "no_proxy" and "://" in url and not urlsplit(url).hostname:
            raise exceptions.InvalidProxyURL(f"Please check proxy URL. It is malformed and could be missing "
                                             f"the host: {url!r}")
        if url and key != "no_proxy" and "://" not in url and url.startswith(("http:", "https:", "socks")):
            raise exceptions.InvalidProxyURL(f"Please check proxy URL. It is malformed: {url!r}")
        code = self._call("session_set_proxy", cstr(key, "proxy key"), cstr(url, "proxy URL"))
        if code == 2 and url and key != "no_proxy":
            raise exceptions.InvalidProxyURL(f"Please check proxy URL. It is malformed and could be missing "
                                             f"the host ({url!r}): {text(lib().session_last_error())}", code=code)
        exceptions.check(code, f"proxy {key!r}")

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

    def set_pool_limits(self, per_host=0, total=0):
        """Caps connections per host and in all (0: no limit)."""
        exceptions.check(self._call("session_set_pool_limits", int(per_host), int(total)), "pool limits")

    def set_pool_idle_timeout(self, seconds):
        """Closes pooled connections idle longer than `seconds` instead of reusing them."""
        exceptions.check(self._call("session_set_pool_idle_timeout_ms", _ms(seconds, "idle timeout")),
                         "pool idle timeout")

    def set_max_header_bytes(self, nbytes):
        """Caps a response head at nbytes; a larger one raises TooLarge."""
        exceptions.check(self._call("session_set_max_header_bytes", int(nbytes)), "max header bytes")

    @property
    def user_agent(self):
        return self._headers.get("User-Agent")

    @user_agent.setter
    def user_agent(self, value):
        """The User-Agent of every request (session_set_user_agent); None sends none."""
        exceptions.check(self._call("session_set_user_agent", cstr(value, "user agent")), "user agent")
        self._headers["User-Agent"] = value  # the session's header, same value (None: not sent)

    @property
    def http_version(self):
        """None (libcurl's default), "1.1", "2" (ALPN, falls back) or "2-prior-knowledge" (h2c)."""
        return self._http_version

    @http_version.setter
    def http_version(self, version):
        exceptions.check(self._call("session_set_http_version", _http_version(version)), "http_version")
        self._http_version = version

    def set_response_hook(self, hook):
        """Calls hook(Response) with each final response inside the C library before the request
        returns (session_set_response_hook; a copy, raising in it is ignored); None removes it.
        requests' hooks={"response": ...} are also supported, run by the binding."""
        self._native_hook = _native_hook(hook)
        exceptions.check(self._call("session_set_response_hook", self._native_hook, None), "response hook")

    def set_debug(self, callback):
        """Calls callback(kind, data: bytes) with the wire trace of every request (kind: 0 text,
        1 header in, 2 header out, 3 data in, 4 data out; credentials redacted); None stops it."""
        if callback is None:
            self._debug_cb = _n.DEBUG_CB()
        else:
            def trace(kind, data, length, _userdata):
                try:
                    callback(kind, ctypes.string_at(data, length))
                except Exception:  # a tracing error must not cross into C
                    pass
            self._debug_cb = _n.DEBUG_CB(trace)
        exceptions.check(self._call("session_set_debug_callback", self._debug_cb, None), "debug callback")

    def completion_fd(self):
        """A file descriptor readable while a finished future waits (session_completion_fd)."""
        return self._call("session_completion_fd")

    # requests
    def request(self, method, url, params=None, data=None, headers=None, cookies=None, files=None,
                auth=None, timeout=None, allow_redirects=True, proxies=None, hooks=None, stream=None,
                verify=None, cert=None, json=None, retries=None, http_version=None, output_file=None,
                stream_to=None, progress=None, response_hook=None, unix_socket=None,
                max_recv_speed=None, max_send_speed=None, cache_mode=None):
        """Sends one request; returns a Response or raises a RequestException subclass.

        As requests.Session.request. `timeout`: seconds, a total deadline covering every
        redirect and retry; or a (connect, read) pair: read is the read (idle) timeout of this
        request (whole seconds, rounded up); connect is not settable per request (the
        session's applies, see set_timeout). `stream` is accepted and the body is read whole.
        `proxies`, `verify` and `cert` per request must be the session's (NotSupported
        otherwise; the module-level functions apply them to their throwaway session).
        Extensions: `retries` (an int overriding the session's Retry total), `http_version`,
        `output_file` (a path the body is written to), `stream_to` (called with each chunk of
        the body as it arrives), `progress` (called with dl_now, dl_total, ul_now, ul_total;
        a true return cancels), `response_hook` (session_request_set_response_hook),
        `unix_socket` (this request's socket; "" for TCP), `max_recv_speed` and
        `max_send_speed` (bytes per second; 0 for no cap), `cache_mode` (see set_cache)."""
        self._same_as_session(proxies, verify, cert)
        if auth is None and _is_custom_auth(self._auth):
            auth = self._auth
        spec = _Spec(method, url, params, data, headers, cookies, files, auth, timeout, allow_redirects,
                     json, retries, http_version, output_file, stream_to, progress, response_hook,
                     unix_socket, max_recv_speed, max_send_speed, cache_mode)
        return self._send_spec(spec, hooks, self._send_kwargs(timeout, stream, verify, cert, proxies))

    def _send_kwargs(self, timeout, stream, verify, cert, proxies):
        """What requests passes response hooks besides the response (Session.send's kwargs)."""
        return {"timeout": timeout, "stream": self.stream if stream is None else stream,
                "verify": self._verify if verify is None else verify,
                "cert": self._cert if cert is None else cert,
                "proxies": dict(proxies) if proxies else dict(self._proxies)}

    def _same_as_session(self, proxies, verify, cert):
        if proxies and dict(proxies) != dict(self._proxies):
            raise exceptions.NotSupported("per-request proxies: set session.proxies instead")
        if verify is not None and verify != self._verify:
            raise exceptions.NotSupported("per-request verify: set session.verify instead")
        if cert is not None and cert != self._cert:
            raise exceptions.NotSupported("per-request cert: set session.cert instead")

    def _check_tls_files(self, url):
        """requests' OSErrors for a missing CA bundle, certificate or key file (https only)."""
        if not str(url).lower().startswith("https:"):
            return
        verify = self._verify
        if isinstance(verify, (str, os.PathLike)) and not os.path.exists(verify):
            raise exceptions.LocalIOError(
                f"Could not find a suitable TLS CA certificate bundle, invalid path: {os.fspath(verify)}")
        cert = self._cert
        files = [cert] if isinstance(cert, (str, os.PathLike)) else list(cert or ())[:2]
        for what, path in zip(("certificate", "key"), files):
            if path and not os.path.exists(path):
                raise exceptions.LocalIOError(f"Could not find the TLS {what} file, invalid path: {os.fspath(path)}")

    def _send_spec(self, spec, hooks=None, hook_kwargs=None):
        self._check_tls_files(spec.url)
        native = lib()
        req, keep = self._new_request(native, spec)
        try:
            ptr = self._call("session_send", req)
        finally:
            native.session_request_free(req)
        response = self._finish(native, ptr, keep, lambda: self._sent_request(spec))
        return self._dispatch_hooks(hooks, response, hook_kwargs or {})

    def _finish(self, native, ptr, keep, sent):
        """A Response from a C response (freed here), or the exception it carries."""
        if not ptr:
            raise exceptions.OutOfMemory("the C library returned no response")
        try:
            response = Response._from_c(ptr)
        finally:
            native.session_response_free(ptr)
        if callable(sent):  # made after the exchange: no C call may precede session_send
            try:
                sent = sent()
            except exceptions.RequestException:  # the session was closed meanwhile
                sent = None
        _fill_requests(response, sent)
        if keep.error is not None:  # a Python callback failed: that is the error to see
            raise keep.error
        if response.error_code:
            raise exceptions.from_code(
                response.error_code,
                response.error_message or text(native.session_strerror(response.error_code)),
                response=response if response.status_code else None, request=response.request or sent,
            )
        return response

    def _dispatch_hooks(self, hooks, response, kwargs):
        merged = dict(self.hooks)
        merged.update({k: v for k, v in (hooks or {}).items() if v is not None})
        fns = merged.get("response") or []
        for fn in [fns] if callable(fns) else fns:
            result = fn(response, **kwargs)
            if result is not None:
                response = result
        return response

    def _sent_request(self, spec):
        """What Response.request shows: method, URL, headers and body as the binding sends them
        (the C library adds its defaults and the jar's Cookie header)."""
        headers = CaseInsensitiveDict()
        for k, v in self._headers.items():
            if v is not None:
                headers[k] = v
        for k, v in (spec.headers or {}).items():
            if v is None:
                headers.pop(k, None)
            else:
                headers[_text(k)] = v  # the caller's value object, as PreparedRequest keeps it
        url = spec.url
        pairs = [(k, v) for k, v in _param_pairs(spec.params) if v is not None]
        if pairs:
            url = _with_query(url, urlencode([(_text(k), _text(v)) for k, v in pairs]))
        cookie = self.cookies.header_for(url) if self._ptr and not spec.headers_have_cookie() else None
        if spec.cookies:
            extra = _cookie_pairs(spec.cookies)
            jar = dict(p.split("=", 1) for p in cookie.split("; ")) if cookie else {}
            jar.update(extra)
            cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
        if cookie:
            headers["Cookie"] = cookie
        body = spec.data if isinstance(spec.data, (bytes, str)) else None
        if body is None and spec.json is not None and not spec.data:
            try:
                body = _json.dumps(spec.json, allow_nan=False).encode("utf-8")
            except ValueError:  # raised as InvalidJSONError when the request is built
                body = None
        return SentRequest(spec.method.upper() if isinstance(spec.method, str) else spec.method, url, headers, body)

    def _new_request(self, native, spec):
        """A C request built from `spec`, and the Python objects it must outlive."""
        url = _check_url(spec.url)
        req = native.session_request_new(cstr(_method(spec.method), "method"), cstr(url, "URL"))
        if not req:
            raise exceptions.InvalidArgument(text(native.session_last_error()) or "bad method or URL")
        keep = _Keep()
        try:
            self._build(native, req, spec, keep)
        except BaseException:
            native.session_request_free(req)
            raise
        return req, keep

    def _build(self, native, req, spec, keep):
        check = exceptions.check
        for name, value in _param_pairs(spec.params):
            check(native.session_request_add_param(req, cstr(_text(name), "param name"), cstr(None if value is None else _text(value), "param value")), "param")
        headers = spec.headers or {}
        for name, value in headers.items():
            if spec.auth is not None and name.lower() == "authorization":
                continue  # a request's own auth wins over its Authorization header (as requests)
            _set_request_header(native, req, name, value)
        for name, value in _cookie_pairs(spec.cookies or {}).items():
            check(native.session_request_add_cookie(req, cstr(name, "cookie name"), cstr(value, "cookie value")), "cookies")
        host = "localhost" if spec.url.lower().startswith("http+unix://") else urlsplit(spec.url).hostname
        if host and self._ptr:
            self.cookies.bind(host)
        auth = spec.auth
        if auth is not None:
            obj = _auth_object(auth)
            if isinstance(obj, HTTPDigestAuth):
                user, password = cstr(obj.username, "user"), cstr(obj.password, "password")
                check(native.session_request_set_digest_auth(req, user, password), "auth")
            elif isinstance(obj, BearerAuth):
                check(native.session_request_set_bearer_token(req, cstr(obj.token, "token")), "auth")
            elif _is_custom_auth(obj):
                self._apply_custom_auth(native, req, spec, obj)
            elif isinstance(obj, HTTPBasicAuth) and not isinstance(obj.username, bytes) \
                    and not isinstance(obj.password, bytes):
                user, password = cstr(str(obj.username), "user"), cstr(str(obj.password), "password")
                check(native.session_request_set_basic_auth(req, user, password), "auth")
            else:
                value = obj.header_value()
                check(native.session_request_set_header(req, b"Authorization", cstr(value, "auth")), "auth")
        _set_body(native, req, spec, keep)
        timeout = spec.timeout
        if hasattr(timeout, "connect_timeout") and hasattr(timeout, "read_timeout"):  # urllib3 Timeout
            timeout = (timeout.connect_timeout, timeout.read_timeout)
        if isinstance(timeout, (tuple, list)):
            if len(timeout) != 2:
                raise ValueError(f"timeout must be seconds or a (connect, read) pair, got {timeout!r}")
            check(native.session_request_set_read_timeout_ms(req, _read_ms(timeout[1])), "read timeout")
        elif timeout is not None:
            check(native.session_request_set_timeout_ms(req, _ms(timeout, "timeout")), "timeout")
        check(native.session_request_set_allow_redirects(req, bool(spec.allow_redirects)), "allow_redirects")
        if spec.retries is not None:
            check(native.session_request_set_retries(req, self._request_retries(spec.retries)), "retries")
        if spec.http_version is not None:
            check(native.session_request_set_http_version(req, _http_version(spec.http_version)), "http_version")
        if spec.output_file is not None:
            check(native.session_request_set_output_file(req, cstr(os.fspath(spec.output_file), "output file")), "output_file")
        if spec.stream_to is not None:
            keep.write = _n.WRITE_CB(keep.guard(lambda data, n, _u: spec.stream_to(ctypes.string_at(data, n)) or n, 0))
            check(native.session_request_set_write_callback(req, keep.write, None), "stream_to")
        if spec.progress is not None:
            keep.progress = _n.PROGRESS_CB(keep.guard(lambda a, b, c, d, _u: 1 if spec.progress(a, b, c, d) else 0, 1))
            check(native.session_request_set_progress_callback(req, keep.progress, None), "progress")
        if spec.cache_mode is not None:
            if spec.cache_mode not in _n.CACHE_MODES:
                raise ValueError(f"cache_mode {spec.cache_mode!r}: use one of {sorted(_n.CACHE_MODES)}")
            check(native.session_request_set_cache_mode(req, _n.CACHE_MODES[spec.cache_mode]), "cache_mode")
        if spec.response_hook is not None:
            keep.hook = _native_hook(spec.response_hook)
            check(native.session_request_set_response_hook(req, keep.hook, None), "response_hook")
        _connect.apply_request(native, req, spec)

    def _apply_custom_auth(self, native, req, spec, auth):
        """requests' AuthBase protocol: `auth` gets the request (method, url, headers, body)
        and its header changes are set on the C request."""
        prepared = self._sent_request(spec)
        before = dict(prepared.headers.lower_items())
        result = auth(prepared)
        prepared = prepared if result is None else result
        after = CaseInsensitiveDict(prepared.headers)
        for name, value in after.items():
            if before.get(name.lower()) != value:
                _set_request_header(native, req, name, value)
        for name in before:
            if name not in after:
                exceptions.check(native.session_request_set_header(req, cstr(name, "header name"), None), "auth")

    def _request_retries(self, retries):
        """The total of a request's `retries`: the C API overrides only the total per request."""
        policy = Retry.of(retries)
        same = (policy.status_forcelist, policy.allowed_methods) == (
            self._retries.status_forcelist, self._retries.allowed_methods)
        if isinstance(retries, Retry) and not same:
            raise exceptions.NotSupported("per-request retries take a total; set statuses and methods "
                                          "on session.retries")
        return policy.total

    # requests' PreparedRequest flow
    def prepare_request(self, request):
        """requests.Session.prepare_request: a requests.PreparedRequest with the session's
        headers, params, auth and cookies merged in (needs requests installed)."""
        try:
            from requests.cookies import merge_cookies
            from requests.models import PreparedRequest
        except ImportError:  # pragma: no cover
            raise exceptions.NotSupported("prepare_request needs requests installed") from None
        headers = CaseInsensitiveDict({k: v for k, v in self._headers.items() if v is not None})
        for k, v in (request.headers or {}).items():
            if v is None:
                headers.pop(k, None)
            else:
                headers[k] = v
        params = dict(self._params)
        params.update(dict(_param_pairs(request.params)) if request.params and not isinstance(request.params, (str, bytes)) else {})
        cookies = merge_cookies(merge_cookies(self.cookies.copy(), {}), request.cookies or {})
        auth = request.auth if request.auth is not None else self._auth
        if isinstance(auth, (tuple, list)) and len(auth) == 2:
            auth = HTTPBasicAuth(*auth)
        hooks = dict(self.hooks)
        hooks.update({k: v for k, v in (request.hooks or {}).items() if v})
        p = PreparedRequest()
        p.prepare(method=request.method.upper(), url=request.url, files=request.files, data=request.data,
                  json=request.json, headers=dict(headers.items()),
                  params=request.params if isinstance(request.params, (str, bytes)) else params,
                  auth=auth, cookies=cookies, hooks=hooks)
        return p

    def send(self, request, stream=None, timeout=None, verify=None, cert=None, proxies=None,
             allow_redirects=True, **kwargs):
        """requests.Session.send: sends a prepared request (requests.PreparedRequest or
        anything with method, url, headers and body). The session's default headers still
        apply for names the prepared request lacks."""
        if isinstance(request, (str, bytes)) or not all(hasattr(request, a) for a in ("url", "body", "headers")):
            raise ValueError("You can only send PreparedRequests.")
        self._same_as_session(proxies, verify, cert)
        headers = dict((request.headers or {}).items())
        digest = getattr(request, "_libsession_digest", None)
        body = request.body
        spec = _Spec(request.method, request.url, None, body, headers, None, None,
                     HTTPDigestAuth(*digest) if digest else None, timeout, allow_redirects, None,
                     kwargs.get("retries"), kwargs.get("http_version"), None, None, None, None,
                     raw_body=True)
        return self._send_spec(spec, getattr(request, "hooks", None),
                               self._send_kwargs(timeout, stream, verify, cert, proxies))

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        """requests' signature; libsession reads proxies from the environment itself (when
        trust_env) and never takes CA bundles from it, so this merges the session's values."""
        merged = dict(self._proxies)
        merged.update(proxies or {})
        return {"proxies": merged, "stream": stream,
                "verify": self._verify if verify is None else verify,
                "cert": self._cert if cert is None else cert}

    def mount(self, prefix, adapter):
        raise exceptions.NotSupported("transport adapters: libsession's transport is libcurl in the C library")

    def get_adapter(self, url):
        raise exceptions.NotSupported("transport adapters: libsession's transport is libcurl in the C library")

    # batches and futures
    def send_all(self, requests, raise_errors=False):
        """Runs requests concurrently on the session's pool (session_send_all; HTTP/2 streams
        multiplexed where offered). Each item is a dict of request() arguments with "method"
        and "url", or a (method, url[, kwargs]) tuple. Returns the Responses in order; a failed
        item gives its exception in its place, or is raised with raise_errors."""
        native = lib()
        specs = [_spec_of(item) for item in requests]
        built = []
        try:
            for spec in specs:
                built.append((self._sent_request(spec),) + self._new_request(native, spec))
            reqs = (_n.REQUEST_P * max(1, len(built)))(*[b[1] for b in built])
            out = (_n.RESPONSE_P * max(1, len(built)))()
            exceptions.check(self._call("session_send_all", reqs, len(built), out), "send_all")
        finally:
            for b in built:
                native.session_request_free(b[1])
        results = []
        for i, (sent, _req, keep) in enumerate(built):
            try:
                results.append(self._finish(native, out[i] if out[i] else None, keep, sent))
            except exceptions.RequestException as e:
                results.append(e)
        if raise_errors:
            for r in results:
                if isinstance(r, Exception):
                    raise r
        return results

    def ws_connect(self, url, headers=None, subprotocols=None, params=None, timeout=None):
        """Opens a WebSocket (ws://, wss://, http(s)://) with this session's cookies, headers,
        auth, TLS and proxy settings: a libsession.streams.WebSocket; iterate it for messages.
        UpgradeRefused (with .response) when the server answers other than 101."""
        from . import streams

        return streams.ws_connect(self, url, headers, subprotocols, params, timeout)

    def events(self, url, **kwargs):
        """Yields the Server-Sent Events of `url` as they arrive, reconnecting with
        Last-Event-ID after the server's retry delay (see libsession.streams.events)."""
        from . import streams

        return streams.events(self, url, **kwargs)

    def request_async(self, method, url, **kwargs):
        """Starts a request on the session's worker thread (session_send_async_cb) and returns
        a Future (result(), done(), cancel(), add_done_callback())."""
        native = lib()
        spec = _Spec.of(method, url, kwargs)
        sent = self._sent_request(spec)
        req, keep = self._new_request(native, spec)
        future = Future(self, sent, keep)
        try:
            ptr = self._call("session_send_async_cb", req, future._done_fn, None)
        finally:
            native.session_request_free(req)
        if not ptr:
            raise exceptions.from_code(1, text(native.session_last_error()) or "session_send_async failed")
        future._ptr = ptr
        return future

    # pickling (requests pickles sessions): settings and cookies, not connections
    def __getstate__(self):
        return {"headers": dict(self._headers.items()), "params": dict(self._params.items()),
                "auth": self._auth, "max_redirects": self._max_redirects, "verify": self._verify,
                "cert": self._cert, "trust_env": self._trust_env, "proxies": dict(self._proxies),
                "hooks": self.hooks, "retries": self._retries, "stream": self.stream,
                "connect": dict(self._connect),
                "cookies": [(c.name, c.value, c.domain or None, c.path, c.secure, c.expires, c.http_only)
                            for c in self.cookies.cookies()]}

    def __setstate__(self, state):
        self.__init__()
        self.headers = state["headers"]
        self.params = state["params"]
        for name in ("auth", "max_redirects", "verify", "cert", "trust_env", "proxies", "retries"):
            if state[name] is not None:
                setattr(self, name, state[name])
        self.hooks, self.stream = state["hooks"], state["stream"]
        for name, value in state.get("connect", {}).items():
            if value is not None:
                setattr(self, name, value)
        for c in state["cookies"]:
            self.cookies.set(*c)

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


def _header_strings(name, value):
    """Header name and value as str (bytes decoded as latin-1), as requests checks them:
    anything else, or leading whitespace, is InvalidHeader."""
    out = []
    for part in (name, value):
        if part is None and part is value:
            out.append(None)
        elif isinstance(part, bytes):
            out.append(part.decode("latin-1"))
        elif isinstance(part, str):
            out.append(part)
        else:
            raise exceptions.InvalidHeader(
                f"Header part ({part!r}) from {(name, value)!r} must be of type str or bytes, not {type(part)}")
    if out[0] != out[0].lstrip() or (out[1] is not None and out[1] != out[1].lstrip(" \t") and out[1].strip()):
        raise exceptions.InvalidHeader(f"Invalid leading whitespace, reserved character(s), or return "
                                       f"character(s) in header: {name!r}")
    return out[0], out[1]


def _set_request_header(native, req, name, value):
    name, value = _header_strings(name, value)
    code = native.session_request_set_header(req, cstr(name, "header name"), cstr(value, "header value"))
    if code == 1:
        raise exceptions.InvalidHeader(f"Invalid header {name!r}: {text(native.session_last_error())}", code=1)
    exceptions.check(code, f"header {name!r}")


def _method(method):
    method = method.decode("ascii") if isinstance(method, bytes) else str(method)
    return method.upper()


def _check_url(url):
    """The URL as requests would accept it, or MissingSchema/InvalidSchema/InvalidURL."""
    if isinstance(url, bytes):
        url = url.decode("utf-8")
    url = str(url).lstrip()
    if ":" in url and not url.lower().startswith("http"):  # requests' rule, as its adapters see it
        raise exceptions.InvalidSchema(f"No connection adapters were found for {url!r}")
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme == "http+unix":  # requests-unixsocket's form; the library checks the socket path
        return url
    if scheme not in ("http", "https"):
        raise exceptions.MissingSchema(
            f"Invalid URL {url!r}: No scheme supplied. Perhaps you meant https://{url}?")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as e:
        raise exceptions.InvalidURL(f"Invalid URL {url!r}: {e}") from None
    if not host:
        raise exceptions.InvalidURL(f"Invalid URL {url!r}: No host supplied")
    if host.startswith(".") or host.startswith("*") or ".." in host:
        raise exceptions.InvalidURL(f"Invalid URL {url!r}: invalid label")
    return url


def _cookie_pairs(cookies):
    """{name: value} of a request's cookies= (a mapping or a CookieJar)."""
    if isinstance(cookies, Mapping):
        return {str(k): str(v) for k, v in cookies.items() if v is not None}
    return {c.name: c.value for c in cookies}


def _http_version(version):
    try:
        return _n.HTTP_VERSIONS[None if version is None else str(version).lower()]
    except KeyError:
        raise ValueError(f"http_version must be None, '1.1', '2' or '2-prior-knowledge', got {version!r}") from None


def _is_custom_auth(auth):
    return callable(auth) and not isinstance(auth, (tuple, list, HTTPBasicAuth, BearerAuth, HTTPDigestAuth))


def _fill_requests(response, sent):
    """Each hop's request is the C library's (Response._from_c); the binding's own view
    `sent` stands in where the C response has none (nothing sent) and gives the first hop
    a streamed body (the C library keeps only bodies sent from memory)."""
    hops = [*response.history, response]
    for r in hops:
        if r.request is None:
            r.request = sent
    for r in hops if sent is not None else ():
        for name, value in sent.headers.items():  # the caller's value objects (bytes stay bytes)
            if not isinstance(value, str) and r.request.headers.get(name) == _text(value):
                r.request.headers[name] = value
    first = hops[0].request
    if sent is not None and first is not sent and first.body is None and sent.body is not None:
        first.body = sent.body


def _native_hook(hook):
    """A C response hook calling hook(Response copy); None removes the hook."""
    if hook is None:
        return _n.RESPONSE_HOOK()

    def call(ptr, _userdata):
        try:
            hook(Response._from_c(ptr))
        except Exception:  # an error in the hook must not cross into C
            pass
    return _n.RESPONSE_HOOK(call)


class _Spec:
    """The arguments of one request."""

    FIELDS = ("method", "url", "params", "data", "headers", "cookies", "files", "auth", "timeout",
              "allow_redirects", "json", "retries", "http_version", "output_file", "stream_to",
              "progress", "response_hook", "unix_socket", "max_recv_speed", "max_send_speed", "cache_mode")

    def __init__(self, *values, raw_body=False):
        for name in self.FIELDS:
            setattr(self, name, None)
        for name, value in zip(self.FIELDS, values):
            setattr(self, name, value)
        if isinstance(self.url, bytes):
            self.url = self.url.decode("utf-8")
        self.url = str(self.url).strip()
        if isinstance(self.params, (str, bytes)):
            self.url, self.params = _with_query(self.url, _text(self.params)), None
        self.raw_body = raw_body

    def headers_have_cookie(self):
        return any(str(k).lower() == "cookie" for k in (self.headers or {}))

    @classmethod
    def of(cls, method, url, kwargs):
        unknown = set(kwargs) - set(cls.FIELDS) - {"proxies", "verify", "cert", "stream", "hooks"}
        if unknown:
            raise TypeError(f"unexpected request arguments: {sorted(unknown)}")
        values = [method, url] + [kwargs.get(f) for f in cls.FIELDS[2:]]
        values[cls.FIELDS.index("allow_redirects")] = kwargs.get("allow_redirects", True)
        return cls(*values)


def _spec_of(item):
    if isinstance(item, Mapping):
        item = dict(item)
        return _Spec.of(item.pop("method"), item.pop("url"), item)
    method, url, *rest = item
    return _Spec.of(method, url, rest[0] if rest else {})


class _Keep:
    """Python objects a C request points at (callbacks, buffers) and the first exception a
    Python callback raised (the transfer is cancelled and that exception is raised)."""

    def __init__(self):
        self.error = None
        self.items = []

    def guard(self, fn, failed):
        def call(*args):
            try:
                return fn(*args)
            except BaseException as e:  # must not cross into C
                if self.error is None:
                    self.error = e
                return failed
        return call


def _super_len(obj):
    """Bytes left to read in a file-like body, or -1 when unknown (sent chunked)."""
    try:
        fileno = obj.fileno()
        total = os.fstat(fileno).st_size
    except (AttributeError, OSError, ValueError):
        total = getattr(obj, "len", None)
        if total is None:
            try:
                here = obj.tell()
                obj.seek(0, os.SEEK_END)
                total = obj.tell()
                obj.seek(here)
            except (AttributeError, OSError, ValueError):
                return -1
            return max(0, total - here)
        return total
    try:
        return max(0, total - obj.tell())
    except (AttributeError, OSError):
        return total


def _set_body(native, req, spec, keep):
    """Body of a request: bytes/str, a form, multipart files, JSON, a file-like object or an
    iterator (streamed through session_request_set_body_callback), a path (body file)."""
    check = exceptions.check
    data, files = spec.data, spec.files
    if files and isinstance(data, (str, bytes)):
        raise ValueError("Data must not be a string.")  # requests' _encode_files
    if files:
        for name, value in _param_pairs(data if isinstance(data, (Mapping, list, tuple)) else None):
            if value is not None:
                check(native.session_request_add_form(req, cstr(_text(name), "form name"), cstr(_text(value), "form value")), "form")
        items = files.items() if isinstance(files, Mapping) else files
        for field, value in items:
            if value is None:
                continue  # as requests
            filename, content, ctype = None, value, None
            if isinstance(value, (tuple, list)):
                filename, content = value[0], value[1]
                ctype = value[2] if len(value) > 2 else None
            elif hasattr(value, "read"):
                filename = os.path.basename(getattr(value, "name", "") or "") or None
            if isinstance(content, os.PathLike):
                check(native.session_request_add_file(req, cstr(field, "field"), cstr(os.fspath(content), "path"),
                                                      cstr(filename, "filename"), cstr(ctype, "content type")), "files")
                continue
            if hasattr(content, "read"):
                content = content.read()
            if isinstance(content, (int, float)):
                content = str(content)  # as urllib3's multipart encoder
            if isinstance(content, str):
                content = content.encode("utf-8")
            content = bytes(content or b"")
            check(native.session_request_add_file_data(req, cstr(field, "field"), content, len(content),
                                                       cstr(filename, "filename") if filename is not None else cstr(field, "filename"),
                                                       cstr(ctype, "content type")), "files")
        return
    if data is not None and not (isinstance(data, (Mapping, list, tuple, bytes, str)) and not data):
        ctype = None
        if isinstance(data, os.PathLike):
            check(native.session_request_set_body_file(req, cstr(os.fspath(data), "body file"), None), "data")
        elif hasattr(data, "read"):
            _stream_body(native, req, keep, data, _super_len(data))
        elif isinstance(data, (str, bytes, bytearray, memoryview)):
            body = data.encode("utf-8") if isinstance(data, str) else bytes(data)
            check(native.session_request_set_body(req, body, len(body), ctype), "data")
        elif isinstance(data, (Mapping, list, tuple)):
            for name, value in _param_pairs(data):
                if value is None:
                    continue  # requests drops None form values
                check(native.session_request_add_form(req, cstr(_text(name), "form name"), cstr(_text(value), "form value")), "form")
        elif hasattr(data, "__iter__"):
            _stream_body(native, req, keep, iter(data), -1)
        else:
            raise TypeError(f"unsupported data {type(data).__name__}")
    elif spec.json is not None:
        try:
            body = _json.dumps(spec.json, allow_nan=False)
        except ValueError as e:
            raise exceptions.InvalidJSONError(e, request=None) from e
        check(native.session_request_set_json(req, cstr(body, "JSON")), "json")


def _stream_body(native, req, keep, source, length):
    """Streams a file-like object or an iterator of chunks as the body."""
    state = {"pending": b"", "start": None}
    if hasattr(source, "read"):
        try:
            state["start"] = source.tell()
        except (AttributeError, OSError):
            pass

    def read(buf, size, _userdata):
        chunk = state["pending"]
        while not chunk:
            if hasattr(source, "read"):
                chunk = source.read(size)
            else:
                chunk = next(source, None)
            if chunk is None or (not chunk and hasattr(source, "read")):
                return 0
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
        out, state["pending"] = chunk[:size], chunk[size:]
        ctypes.memmove(buf, out, len(out))
        return len(out)

    def seek(offset, _userdata):
        source.seek(state["start"] + offset)
        state["pending"] = b""
        return 0

    keep.read = _n.READ_CB(keep.guard(read, _n.READ_ABORT))
    keep.seek = _n.SEEK_CB(keep.guard(seek, 1)) if state["start"] is not None else _n.SEEK_CB()
    exceptions.check(native.session_request_set_body_callback(req, keep.read, keep.seek, None, int(length), None), "data")


class Future:
    """A request running on the session's worker thread (session_future_t)."""

    def __init__(self, session, sent, keep):
        self._session, self._sent, self._keep = session, sent, keep
        self._ptr = None
        self._result = None
        self._lock = threading.Lock()  # result()
        self._cb_lock = threading.Lock()  # done callbacks (taken on the worker thread)
        self._callbacks = []
        self._finished = threading.Event()
        self._done_fn = _n.DONE_FN(self._on_done)

    def _on_done(self, _userdata):
        with self._cb_lock:
            self._finished.set()
            callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            try:
                fn(self)
            except Exception:
                pass

    def add_done_callback(self, fn):
        """Calls fn(future) once done (at once when already done; else on the worker thread)."""
        with self._cb_lock:
            if not self._finished.is_set():
                self._callbacks.append(fn)
                return
        fn(self)

    def done(self):
        return self._result is not None or bool(self._ptr and lib().session_future_ready(self._ptr))

    def cancel(self):
        """Cancels the request; result() then raises Cancelled."""
        if self._ptr:
            lib().session_future_cancel(self._ptr)

    def result(self, timeout=None):
        """The Response, or raises the request's exception; waits up to `timeout` seconds
        (None: forever), then raises the builtin TimeoutError."""
        with self._lock:
            if self._result is None:
                native = lib()
                ms = -1 if timeout is None else max(0, int(timeout * 1000))
                ptr = native.session_future_wait(self._ptr, ms)
                if not ptr:
                    raise TimeoutError("the request is not done yet")
                try:
                    self._result = ("ok", self._session._finish(native, ptr, self._keep, self._sent))
                except exceptions.RequestException as e:
                    self._result = ("error", e)
        kind, value = self._result
        if kind == "error":
            raise value
        return value

    def __del__(self):
        ptr, self._ptr = self._ptr, None
        if ptr:
            try:
                lib().session_future_free(ptr)
            except Exception:
                pass


def _with_query(url, query):
    base, hash_, fragment = url.partition("#")
    return f"{base}{'&' if '?' in base else '?'}{query}{hash_}{fragment}"
