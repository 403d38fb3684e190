"""Session state that lasts: HSTS, redirect safety and the one-file save/restore
(docs/state.md). Mixed into Session."""
import os

from . import exceptions
from ._native import cstr


class StateMixin:
    """HSTS, sensitive headers, https-only, save() and load(); needs Session._call."""

    _hsts = True
    _https_only = False
    _sensitive_headers = ()

    @property
    def hsts(self):
        """Whether HSTS is on (the default): known hosts are upgraded to https and
        Strict-Transport-Security is taken from verified https responses."""
        return self._hsts

    @hsts.setter
    def hsts(self, enabled):
        exceptions.check(self._call("session_set_hsts", bool(enabled)), "hsts")
        self._hsts = bool(enabled)

    def hsts_add(self, host, max_age, include_subdomains=False):
        """Preloads an HSTS entry for `host`, valid `max_age` seconds (0 removes it). An IP
        literal or a public suffix raises InvalidArgument."""
        exceptions.check(self._call("session_hsts_add", cstr(host, "host"), int(max_age), bool(include_subdomains)),
                         "hsts_add")

    def hsts_clear(self):
        """Forgets every HSTS entry."""
        exceptions.check(self._call("session_hsts_clear"), "hsts_clear")

    def hsts_lookup(self, host):
        """Whether `host` is HTTPS-only now (its own entry or a parent's with includeSubDomains)."""
        return bool(self._call("session_hsts_lookup", cstr(host, "host")))

    @property
    def https_only(self):
        """When True, plain http requests and redirects fail (InvalidURL) before anything is sent."""
        return self._https_only

    @https_only.setter
    def https_only(self, enabled):
        exceptions.check(self._call("session_set_https_only", bool(enabled)), "https_only")
        self._https_only = bool(enabled)

    @property
    def sensitive_headers(self):
        """Header names (besides Authorization) removed on a redirect to another origin and
        redacted in the debug trace."""
        return tuple(self._sensitive_headers)

    @sensitive_headers.setter
    def sensitive_headers(self, names):
        names = [names] if isinstance(names, str) else list(names or ())
        if any("," in n for n in names):
            raise exceptions.InvalidArgument("sensitive_headers: a name holds a comma")
        joined = ", ".join(names)
        exceptions.check(self._call("session_set_sensitive_headers", cstr(joined, "sensitive headers")),
                         "sensitive_headers")
        self._sensitive_headers = tuple(names)

    def save(self, path):
        """Writes the cookies and HSTS entries to `path` atomically, mode 0600."""
        exceptions.check(self._call("session_save", cstr(os.fspath(path), "path")), "save")

    def load(self, path):
        """Merges a file written by save() into the session; on any error nothing changes."""
        exceptions.check(self._call("session_load", cstr(os.fspath(path), "path")), "load")
