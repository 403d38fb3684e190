"""session.cookies: the session's jar in the C library, seen from Python."""
from . import exceptions
from ._native import cstr, take_string


class SessionCookies:
    """A view of the session's cookie jar (nothing is cached in Python).

    Lookups are by URL, as the jar answers "what would be sent there"; `domain` (plus `path`)
    is shorthand for the URL http://<domain><path>.
    """

    def __init__(self, session):
        self._session = session

    def set(self, name, value, domain, path="/"):
        """Sets a cookie; `domain` "example.com" is host-only, ".example.com" also covers
        subdomains. `value` None deletes it (requests' convention)."""
        if value is None:
            raise exceptions.NotSupported("deleting one cookie needs session_cookie_delete")
        args = (cstr(name, "cookie name"), cstr(value, "cookie value"), cstr(domain, "cookie domain"),
                cstr(path, "cookie path"))
        exceptions.check(self._session._call("session_cookie_set", *args), "cookie")

    def get(self, name, default=None, domain=None, path="/", url=None):
        """The value of cookie `name` that would be sent to `url` (or to http://domain+path)."""
        url = _url(url, domain, path)
        value = take_string(self._session._call("session_cookie_get", cstr(url, "URL"), cstr(name, "cookie name")))
        return default if value is None else value

    def header_for(self, url):
        """The Cookie header value the session would send to `url`, or None."""
        return take_string(self._session._call("session_cookie_header", cstr(url, "URL")))

    def for_url(self, url):
        """{name: value} of the cookies the session would send to `url`."""
        header = self.header_for(url)
        if not header:
            return {}
        return dict(pair.split("=", 1) for pair in header.split("; "))

    def clear(self):
        exceptions.check(self._session._call("session_cookies_clear"), "cookies")


def _url(url, domain, path):
    if url is not None:
        return url
    if domain is None:
        raise TypeError("cookies.get needs url= or domain=")
    return f"http://{domain.lstrip('.')}{path or '/'}"
