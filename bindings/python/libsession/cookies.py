"""session.cookies: the session's jar in the C library, as requests' RequestsCookieJar.

Every method reads or writes the C jar (session_cookies_list, session_cookie_set/add/delete,
session_cookies_clear/_clear_domain), so a cookie set from C is seen here at once. One thing
cannot live in the C jar: a cookie without a domain (requests' `jar["name"] = value`), which
requests sends to every host while the C jar needs a domain. The binding keeps such cookies
("unbound") and sets each, host-only, in the C jar for the host of every request the session
sends; the mapping shows an unbound cookie once, with domain "", not its per-host copies.
"""
import ctypes
import http.cookiejar
import threading
import time
from collections.abc import Mapping, MutableMapping

from . import exceptions
from ._native import COOKIES_JSON, COOKIES_NETSCAPE, CookieStruct, cstr, lib, take_string, text

_FORMATS = {"json": COOKIES_JSON, "netscape": COOKIES_NETSCAPE, "cookies.txt": COOKIES_NETSCAPE}


class Cookie:
    """One cookie of the jar (a snapshot; session_cookie_t). `domain` has a leading dot when the
    cookie is also sent to subdomains (host_only False), as in cookielib and cookies.txt."""

    __slots__ = ("name", "value", "domain", "path", "expires", "secure", "http_only", "host_only")

    def __init__(self, name, value, domain, path="/", expires=None, secure=False, http_only=False,
                 host_only=True):
        self.name, self.value, self.domain, self.path = name, value, domain, path
        self.expires, self.secure, self.http_only, self.host_only = expires, secure, http_only, host_only

    def to_cookielib(self):
        """The same cookie as an http.cookiejar.Cookie."""
        return http.cookiejar.Cookie(
            0, self.name, self.value, None, False, self.domain, bool(self.domain),
            self.domain.startswith("."), self.path, True, self.secure, self.expires,
            self.expires is None, None, None, {"HttpOnly": None} if self.http_only else {})

    def __repr__(self):
        return f"<Cookie {self.name}={self.value} for {self.domain or '(any host)'}{self.path}>"


def _norm(domain):
    return (domain or "").lstrip(".").lower()


class SessionCookies(MutableMapping):
    """The session's cookie jar as a live mutable mapping of name -> value (requests'
    RequestsCookieJar methods). A name alone matches a cookie of any domain and path;
    `domain=`/`path=` narrow the match; a name matching more than one cookie raises
    CookieConflictError where requests does."""

    def __init__(self, session):
        self._session = session
        self._lock = threading.Lock()
        self._unbound = {}  # (name, path) -> Cookie with domain "" (see the module doc)
        self._bound = set()  # hosts the unbound cookies were copied to

    # the C jar
    def _call(self, name, *args):
        return self._session._call(name, *args)

    def _stored(self):
        """Snapshot of the C jar as Cookies (session_cookies_list)."""
        native = lib()
        handle = self._call("session_cookies_list")
        if not handle:
            raise exceptions.OutOfMemory("session_cookies_list failed")
        try:
            out = []
            for i in range(native.session_cookie_list_len(handle)):
                c = native.session_cookie_list_at(handle, i).contents
                domain = text(c.domain) or ""
                out.append(Cookie(text(c.name), _as_requests_shows(text(c.value)), domain if c.host_only else "." + domain,
                                  text(c.path) or "/", None if c.expires < 0 else c.expires,
                                  bool(c.secure), bool(c.http_only), bool(c.host_only)))
            return out
        finally:
            native.session_cookie_list_free(handle)

    def cookies(self):
        """Every cookie (Cookie objects): the C jar's and the unbound ones."""
        with self._lock:
            unbound = dict(self._unbound)
            bound = set(self._bound)
        out = list(unbound.values())
        for c in self._stored():
            u = unbound.get((c.name, c.path))
            if u is not None and c.host_only and c.domain in bound and c.value == u.value:
                continue  # a per-host copy of an unbound cookie
            out.append(c)
        return out

    def _matching(self, name=None, domain=None, path=None):
        return [c for c in self.cookies()
                if (name is None or c.name == name)
                and (domain is None or _norm(c.domain) == _norm(domain))
                and (path is None or c.path == path)]

    def bind(self, host):
        """Copies the unbound cookies into the C jar for `host` (called before each request)."""
        with self._lock:
            if not self._unbound:
                return
            unbound = list(self._unbound.values())
            self._bound.add(host)
        for c in unbound:
            self._call("session_cookie_set", cstr(c.name, "cookie name"), cstr(c.value, "cookie value"),
                       cstr(host, "cookie domain"), cstr(c.path, "cookie path"))

    def _delete_stored(self, c):
        exceptions.check(self._call("session_cookie_delete", cstr(c.domain, "cookie domain"),
                                    cstr(c.path, "cookie path"), cstr(c.name, "cookie name")), "cookie")

    def _remove(self, cookies):
        for c in cookies:
            if not c.domain:
                with self._lock:
                    self._unbound.pop((c.name, c.path), None)
                    hosts = list(self._bound)
                for host in hosts:  # its per-host copies, where unchanged
                    for s in self._stored():
                        if s.name == c.name and s.path == c.path and s.domain == host and s.value == c.value:
                            self._delete_stored(s)
            else:
                self._delete_stored(c)

    # requests' RequestsCookieJar API
    def get(self, name, default=None, domain=None, path=None, url=None):
        """The value of cookie `name` (any domain and path unless narrowed), or `default`.
        `url=` (an extension) asks the jar which value would be sent to that URL."""
        if url is not None:
            value = take_string(self._call("session_cookie_get", cstr(url, "URL"), cstr(name, "cookie name")))
            return default if value is None else value
        found = self._matching(name, domain, path)
        if len(found) > 1:
            raise exceptions.CookieConflictError(
                f"There are multiple cookies with name, {name!r}: "
                + ", ".join(f"{c.domain or '(any host)'}{c.path}" for c in found))
        return found[0].value if found else default

    def set(self, name, value, domain=None, path="/", secure=False, expires=None, http_only=False,
            **kwargs):
        """Sets a cookie (replacing one of the same name, domain and path); value None deletes
        every cookie `name` (of `domain`/`path` when given). `domain` "example.com" is
        host-only, ".example.com" also covers subdomains, None (or "") means every host.
        `expires` is Unix seconds (None: a session cookie); `rest={"HttpOnly": ...}` as in
        requests sets http_only. Returns the Cookie."""
        if value is None:
            self._remove(self._matching(name, domain or None, path if domain else None))
            return None
        if hasattr(value, "value") and hasattr(value, "key"):  # an http.cookies.Morsel
            value = value.value
        value = value.decode("utf-8") if isinstance(value, bytes) else str(value)
        path = path or "/"
        http_only = http_only or "httponly" in {k.lower() for k in (kwargs.get("rest") or {})}
        if not domain:
            cookie = Cookie(name, value, "", path, expires, secure, http_only)
            with self._lock:
                old = self._unbound.get((name, path))
            if old is not None:
                self._remove([old])
            with self._lock:
                self._unbound[(name, path)] = cookie
                hosts = list(self._bound)
                self._bound.clear()
            for host in hosts:
                self.bind(host)
            return cookie
        if secure or expires is not None or http_only:
            self._add(name, value, domain, path, expires, secure, http_only)
        else:
            exceptions.check(
                self._call("session_cookie_set", cstr(name, "cookie name"), cstr(value, "cookie value"),
                           cstr(domain, "cookie domain"), cstr(path, "cookie path")), "cookie")
        return Cookie(name, value, domain, path, expires, secure, http_only, not domain.startswith("."))

    def _add(self, name, value, domain, path, expires, secure, http_only):
        keep = (cstr(name, "cookie name"), cstr(value, "cookie value"), cstr(domain.lstrip("."), "cookie domain"),
                cstr(path, "cookie path"))
        c = CookieStruct(keep[0], keep[1], keep[2], keep[3], -1 if expires is None else int(expires),
                         bool(secure), bool(http_only), not domain.startswith("."))
        exceptions.check(self._call("session_cookie_add", ctypes.byref(c)), "cookie")

    def set_cookie(self, cookie):
        """Adds an http.cookiejar.Cookie (or a Cookie of this module) with its attributes."""
        rest = getattr(cookie, "_rest", None) or {}
        http_only = getattr(cookie, "http_only", False) or "httponly" in {k.lower() for k in rest}
        value = cookie.value
        if isinstance(value, str) and len(value) > 1 and value.startswith('"') and value.endswith('"'):
            value = value.replace('\\"', "")  # as RequestsCookieJar.set_cookie
        return self.set(cookie.name, value, domain=cookie.domain or None, path=cookie.path or "/",
                        secure=bool(cookie.secure), expires=cookie.expires, http_only=http_only)

    def __getitem__(self, name):
        found = self._matching(name)
        if len(found) > 1:
            raise exceptions.CookieConflictError(f"There are multiple cookies with name, {name!r}")
        if not found:
            raise KeyError(f"name={name!r}, domain=None, path=None")
        return found[0].value

    def __setitem__(self, name, value):
        self.set(name, value)

    def __delitem__(self, name):
        found = self._matching(name)
        if not found:
            raise KeyError(name)
        self._remove(found)

    def __iter__(self):
        return iter([c.name for c in self.cookies()])

    def __len__(self):
        return len(self.cookies())

    def __contains__(self, name):
        if isinstance(name, (Cookie, http.cookiejar.Cookie)):
            return any(c.name == name.name and _norm(c.domain) == _norm(name.domain) and c.path == name.path
                       for c in self.cookies())
        return bool(self._matching(name))

    def __bool__(self):
        return bool(self.cookies())

    def keys(self):
        return [c.name for c in self.cookies()]

    def values(self):
        return [c.value for c in self.cookies()]

    def items(self):
        return [(c.name, c.value) for c in self.cookies()]

    iterkeys, itervalues, iteritems = keys, values, items

    def get_dict(self, domain=None, path=None):
        """{name: value} of the cookies of `domain` and `path` (every one when None)."""
        return {c.name: c.value for c in self._matching(None, domain, path)}

    def list_domains(self):
        out = []
        for c in self.cookies():
            if c.domain not in out:
                out.append(c.domain)
        return out

    def list_paths(self):
        out = []
        for c in self.cookies():
            if c.path not in out:
                out.append(c.path)
        return out

    def multiple_domains(self):
        return len({c.domain for c in self.cookies()}) > 1

    def clear(self, domain=None, path=None, name=None):
        """Removes every cookie, or those of `domain` (and its subdomains when no path or name
        narrows it, session_cookies_clear_domain), `path` and `name`."""
        if domain is None and path is None and name is None:
            with self._lock:
                self._unbound.clear()
                self._bound.clear()
            exceptions.check(self._call("session_cookies_clear"), "cookies")
        elif domain is not None and path is None and name is None:
            exceptions.check(self._call("session_cookies_clear_domain", cstr(domain, "cookie domain")), "cookies")
        else:
            found = self._matching(name, domain, path)
            if not found:
                raise KeyError(name or path or domain)
            self._remove(found)

    def clear_session_cookies(self):
        self._remove([c for c in self.cookies() if c.expires is None])

    def update(self, other=(), **kwargs):
        """Adds cookies from a mapping, a jar (cookielib or this one) or (name, value) pairs."""
        if isinstance(other, SessionCookies):
            for c in other.cookies():
                self.set(c.name, c.value, c.domain or None, c.path, c.secure, c.expires, c.http_only)
        elif isinstance(other, http.cookiejar.CookieJar):
            for c in other:
                self.set_cookie(c)
        else:
            items = other.items() if isinstance(other, Mapping) else other
            for name, value in list(items) + list(kwargs.items()):
                self.set(name, value)

    def copy(self):
        """A detached copy: a requests RequestsCookieJar when requests is importable, else an
        http.cookiejar.CookieJar."""
        try:
            from requests.cookies import RequestsCookieJar as jar_class
        except ImportError:  # pragma: no cover
            jar_class = http.cookiejar.CookieJar
        jar = jar_class()
        for c in self.cookies():
            jar.set_cookie(c.to_cookielib())
        return jar

    def iter_cookies(self):
        """The cookies as http.cookiejar.Cookie objects (what iterating a CookieJar gives)."""
        return iter([c.to_cookielib() for c in self.cookies()])

    # libsession extensions
    def header_for(self, url):
        """The Cookie header value the session would send to `url`, or None."""
        return take_string(self._call("session_cookie_header", cstr(url, "URL")))

    def for_url(self, url):
        """{name: value} of the cookies the session would send to `url`."""
        header = self.header_for(url)
        if not header:
            return {}
        return dict(pair.split("=", 1) for pair in header.split("; "))

    def set_limits(self, per_domain, total):
        """Caps the jar at `per_domain` cookies a domain and `total` in all (oldest go first)."""
        exceptions.check(self._call("session_set_cookie_limits", int(per_domain), int(total)), "cookie limits")

    def save(self, path, format="json", include_session_cookies=False):
        """Writes the jar atomically (mode 0600) as "json" or "netscape" (cookies.txt);
        session cookies only with include_session_cookies."""
        fmt = _format(format)
        if include_session_cookies:
            code = self._call("session_cookies_save_ex", cstr(str(path), "path"), fmt, True)
        else:
            code = self._call("session_cookies_save", cstr(str(path), "path"), fmt)
        exceptions.check(code, "cookies save")

    def load(self, path, format="json"):
        """Adds the cookies of a file written by save() (or a browser's/curl's cookies.txt)."""
        exceptions.check(self._call("session_cookies_load", cstr(str(path), "path"), _format(format)),
                         "cookies load")

    def __repr__(self):
        return f"<SessionCookies[{', '.join(repr(c) for c in self.cookies())}]>"

    def __eq__(self, other):
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None


def _format(format):
    if isinstance(format, int):
        return format
    try:
        return _FORMATS[format.lower()]
    except KeyError:
        raise ValueError(f"cookie file format must be 'json' or 'netscape', got {format!r}") from None


def response_cookies(raw_headers, url):
    """requests' Response.cookies: the cookies a response's Set-Cookie headers set, as a
    RequestsCookieJar when requests is importable (else a {name: value} dict)."""
    from http.cookies import SimpleCookie
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    cookies = []
    for name, value in raw_headers:
        if name.lower() != "set-cookie":
            continue
        parsed = SimpleCookie()
        try:
            parsed.load(value)
        except Exception:  # a header http.cookies cannot parse is left out
            continue
        for key, morsel in parsed.items():
            domain = morsel["domain"] or host
            expires = None
            if morsel["max-age"]:
                try:
                    expires = int(time.time()) + int(morsel["max-age"])
                except ValueError:
                    pass
            cookies.append(Cookie(key, morsel.value, domain, morsel["path"] or "/", expires,
                                  bool(morsel["secure"]), bool(morsel["httponly"])))
    try:
        from requests.cookies import RequestsCookieJar
    except ImportError:  # pragma: no cover
        return {c.name: c.value for c in cookies}
    jar = RequestsCookieJar()
    for c in cookies:
        jar.set_cookie(c.to_cookielib())
    return jar


def _as_requests_shows(value):
    """A quoted value with escaped quotes, as RequestsCookieJar.set_cookie stores it (the
    escapes removed); the C jar keeps and sends the server's bytes."""
    if value and len(value) > 1 and value.startswith('"') and value.endswith('"'):
        return value.replace('\\"', "")
    return value
