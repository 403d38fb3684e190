"""Network settings of a Session, shaped like requests/urllib3: digest auth, Retry, proxies."""
import ctypes

from . import exceptions
from ._native import cstr


class HTTPDigestAuth:
    """Digest credentials: libcurl answers the server's challenge on each hop of the origin.
    Dropped after a redirect to another host, scheme or port (as basic auth)."""

    def __init__(self, username, password):
        self.username, self.password = username, password

    def __call__(self, r):
        """Marks a prepared request for digest auth (Session.send answers the challenge)."""
        r._libsession_digest = (self.username, self.password)
        return r

    def __eq__(self, other):
        return isinstance(other, HTTPDigestAuth) and (self.username, self.password) == (
            other.username, other.password)


# urllib3.util.Retry.DEFAULT_ALLOWED_METHODS, and libsession's default.
DEFAULT_ALLOWED_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
# What allowed_methods=None (urllib3: "any verb") becomes: the C API takes a list.
ANY_METHODS = ("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "POST", "PATCH", "CONNECT")


class Retry:
    """Retry policy, named after urllib3.util.Retry (the parts libsession implements).

    total: retries after the first attempt (0: none). backoff_factor: retry n waits
    backoff_factor * 2**(n-1) seconds (at most 120 s), jittered down to half of it; unlike
    urllib3 the first retry waits too. status_forcelist: statuses retried; 413/429/503 with
    Retry-After are retried anyway (urllib3's rule). allowed_methods: methods retried, for
    errors and statuses alike (default the idempotent ones; None means the usual methods
    including POST and PATCH). When retries run out on a status the last response is
    returned (urllib3's raise_on_status=False): libsession raises no RetryError.
    """

    def __init__(self, total=0, backoff_factor=0, status_forcelist=None,
                 allowed_methods=DEFAULT_ALLOWED_METHODS):
        if isinstance(total, bool) or int(total) != total or total < 0:
            raise ValueError(f"total must be a non-negative int, got {total!r}")
        self.total = int(total)
        self.backoff_factor = float(backoff_factor)
        self.status_forcelist = tuple(int(c) for c in status_forcelist or ())
        self.allowed_methods = None if allowed_methods is None else tuple(
            sorted(m.upper() for m in allowed_methods))

    def __repr__(self):
        return (f"Retry(total={self.total}, backoff_factor={self.backoff_factor}, "
                f"status_forcelist={list(self.status_forcelist)}, "
                f"allowed_methods={self.allowed_methods})")

    @classmethod
    def of(cls, value):
        """A Retry from a Retry, an int (total) or None (no retries)."""
        if value is None or value is False:
            return cls(0)
        if isinstance(value, Retry):
            return value
        if isinstance(value, int):
            return cls(value)
        raise TypeError(f"retries must be a Retry or an int, got {value!r}")

    def apply(self, call):
        """Sets this policy on a C session through `call(name, *args)`."""
        exceptions.check(call("session_set_retries", self.total, self.backoff_factor), "retries")
        codes = (ctypes.c_int * max(1, len(self.status_forcelist)))(*self.status_forcelist)
        exceptions.check(call("session_set_retry_statuses", codes, len(self.status_forcelist)),
                         "status_forcelist")
        methods = ",".join(ANY_METHODS if self.allowed_methods is None else self.allowed_methods)
        exceptions.check(call("session_set_retry_methods", cstr(methods, "allowed_methods")),
                         "allowed_methods")


class Proxies(dict):
    """session.proxies: requests' keys ("http", "https", "all", "http://host", "https://host",
    "all://host", "no_proxy"), written through to the C session. A value "" means direct
    for that key; deleting a key (or the value None) removes it."""

    def __init__(self, apply):
        super().__init__()
        self._apply = apply

    def __setitem__(self, key, value):
        self._apply(key, value)
        if value is None:
            super().pop(key, None)
        else:
            super().__setitem__(key, value)

    def __delitem__(self, key):
        super().__delitem__(key)
        self._apply(key, None)

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other):
        self.update(other)
        return self

    def setdefault(self, key, value=None):
        if key not in self:
            self[key] = value
        return self.get(key)

    def pop(self, key, *default):
        if key in self:
            value = super().pop(key)
            self._apply(key, None)
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def clear(self):
        for key in list(self):
            del self[key]

    def replace(self, mapping):
        if mapping is self:  # `session.proxies |= {...}` assigns the same dict back
            return
        mapping = dict(mapping or {})
        self.clear()
        self.update(mapping)
