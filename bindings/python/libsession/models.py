"""Response: a Python copy of a session_response_t (the C response is freed at once)."""
import ctypes
import datetime
import json as _json
import re

from . import exceptions
from ._native import lib, text
from .structures import CaseInsensitiveDict

_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)


class Response:
    """What a request received, as requests.Response."""

    def __init__(self):
        self.status_code = 0
        self.reason = ""
        self.url = ""
        self.headers = CaseInsensitiveDict()
        self.raw_headers = []  # [(name, value)] in received order, repeats kept
        self.content = b""
        self.history = []
        self.elapsed = datetime.timedelta(0)
        self.http_version = ""
        self.encoding = None
        self.error_code = 0
        self.error_message = ""
        self._ok = False
        self._status_check = 0

    @classmethod
    def _from_c(cls, ptr):
        """Copies everything reachable from `ptr` (not freed here)."""
        native = lib()
        c = ptr.contents
        r = cls()
        r.error_code = c.error
        r.error_message = text(c.error_message) or ""
        r.status_code = c.status_code
        r.reason = text(c.reason) or ""
        r.url = text(c.url) or ""
        r.content = ctypes.string_at(c.body, c.body_len) if c.body_len else b""
        r.elapsed = datetime.timedelta(seconds=c.elapsed)
        r.http_version = text(c.http_version) or ""
        name, value = ctypes.c_char_p(), ctypes.c_char_p()
        for i in range(native.session_response_header_count(ptr)):
            exceptions.check(native.session_response_header_at(ptr, i, ctypes.byref(name), ctypes.byref(value)))
            # Header bytes are latin-1 on the wire (as http.client decodes them).
            r.raw_headers.append((name.value.decode("latin-1"), value.value.decode("latin-1")))
        for k, v in r.raw_headers:
            r.headers[k] = f"{r.headers[k]}, {v}" if k in r.headers else v
        r.encoding = _encoding_from_headers(r.headers)
        r._ok = bool(native.session_response_ok(ptr))
        r._status_check = native.session_response_raise_for_status(ptr)
        for i in range(c.redirect_count):
            hop = native.session_response_history_at(ptr, i)
            if hop:
                entry = cls._from_c(hop)
                entry.history = list(r.history)
                r.history.append(entry)
        return r

    @property
    def ok(self):
        return self._ok

    @property
    def is_redirect(self):
        return "location" in self.headers and self.status_code in (301, 302, 303, 307, 308)

    @property
    def text(self):
        encoding = self.encoding or "utf-8"
        try:
            return self.content.decode(encoding, "replace")
        except LookupError:  # unknown charset name
            return self.content.decode("utf-8", "replace")

    def json(self, **kwargs):
        try:
            return _json.loads(self.content, **kwargs)
        except ValueError as e:
            raise exceptions.JSONDecodeError(str(e), response=self) from e

    def raise_for_status(self):
        """HTTPError for 4xx/5xx (the C library's rule); None otherwise."""
        if self._status_check == 0:
            return
        kind = "Client" if self.status_code < 500 else "Server"
        raise exceptions.from_code(
            self._status_check,
            f"{self.status_code} {kind} Error: {self.reason} for url: {self.url}",
            response=self,
        )

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return f"<Response [{self.status_code}]>"


def _encoding_from_headers(headers):
    content_type = headers.get("content-type")
    if not content_type:
        return None
    match = _CHARSET.search(content_type)
    if match:
        return match.group(1)
    if content_type.lower().startswith("text/"):
        return "ISO-8859-1"  # RFC 2616's default, as requests
    return None
