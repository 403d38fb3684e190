"""Response: a Python copy of a session_response_t (the C response is freed at once)."""
import codecs
import ctypes
import datetime
import io
import json as _json
import re
from urllib.parse import urlsplit

from . import exceptions
from . import _native
from ._native import lib, text
from .structures import CaseInsensitiveDict

try:  # requests is optional: its Response is only a base class, so isinstance() checks pass
    from requests.models import Response as _ResponseBase
except ImportError:  # pragma: no cover - exercised only where requests is not installed
    _ResponseBase = object

_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)


class Response(_ResponseBase):
    """What a request received, as requests.Response (a subclass of it when requests is
    importable; every method used is this class's own)."""

    def __init__(self):
        self.status_code = 0
        self.reason = ""
        self.url = ""
        self.headers = CaseInsensitiveDict()
        self.raw_headers = []  # [(name, value)] in received order, repeats kept
        self._content = b""
        self._content_consumed = True
        self.history = []
        self.elapsed = datetime.timedelta(0)
        self.http_version = ""
        self.encoding = None
        self.error_code = 0
        self.error_message = ""
        self._ok = False
        self._status_check = 0
        self.request = None
        self.timings = None  # session_response_timings: dns, connect, tls, first_byte, total, reused
        self.cache_status = "none"  # session_response_cache_status: none, miss, hit, revalidated, stale
        self._cookies = None
        self.raw = None

    @property
    def cookies(self):
        """The cookies this response's Set-Cookie headers set (requests' Response.cookies)."""
        if self._cookies is None:
            from .cookies import response_cookies

            self._cookies = response_cookies(self.raw_headers, self.url)
        return self._cookies

    @cookies.setter
    def cookies(self, value):
        self._cookies = value

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
        r.raw = io.BytesIO(r.content)
        r.elapsed = datetime.timedelta(seconds=c.elapsed)
        timings = _native.TimingsStruct(size=ctypes.sizeof(_native.TimingsStruct))
        if native.session_response_timings(ptr, ctypes.byref(timings)) == 0:
            r.timings = {name: getattr(timings, name) for name, _ in _native.TimingsStruct._fields_ if name != "size"}
        r.http_version = text(c.http_version) or ""
        status = native.session_response_cache_status(ptr)
        r.cache_status = _native.CACHE_STATUSES[status] if 0 <= status < len(_native.CACHE_STATUSES) else "none"
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
        r.request = SentRequest._from_c(native, ptr, r.url)
        for i in range(c.redirect_count):
            hop = native.session_response_history_at(ptr, i)
            if hop:
                entry = cls._from_c(hop)
                entry.history = list(r.history)
                r.history.append(entry)
        return r

    @property
    def content(self):
        """The body bytes; None when requests' `_content = False` marker is set with nothing
        to read (status 0 or no raw)."""
        if self._content is False:
            self._content = None if self.status_code == 0 or self.raw is None else self.raw.read()
            self._content_consumed = True
        return self._content

    @content.setter
    def content(self, value):
        self._content = value

    @property
    def ok(self):
        return self._ok

    @property
    def is_redirect(self):
        return "location" in self.headers and self.status_code in (301, 302, 303, 307, 308)

    @property
    def text(self):
        encoding = self.encoding or "utf-8"
        if not self.content:
            return ""
        try:
            return self.content.decode(encoding, "replace")
        except LookupError:  # unknown charset name
            return self.content.decode("utf-8", "replace")

    def json(self, **kwargs):
        try:
            return _json.loads(self.content or b"", **kwargs)
        except _json.JSONDecodeError as e:
            raise exceptions.JSONDecodeError(e.msg, e.doc, e.pos, response=self) from e
        except ValueError as e:  # undecodable bytes
            raise exceptions.JSONDecodeError(str(e), self.text, 0, response=self) from e

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

    @property
    def is_permanent_redirect(self):
        return "location" in self.headers and self.status_code in (301, 308)

    @property
    def next(self):
        """requests' next (the prepared redirect): libsession follows redirects itself."""
        return None

    @property
    def apparent_encoding(self):
        """A guess from the body: utf-8 when it decodes as such, else ISO-8859-1 (libsession
        has no charset detector)."""
        try:
            self.content.decode("utf-8")
            return "utf-8"
        except UnicodeDecodeError:
            return "ISO-8859-1"

    @property
    def links(self):
        """The Link header parsed as requests does: {rel or url: {"url": ..., ...}}."""
        header = self.headers.get("link")
        out = {}
        if header:
            for link in _parse_links(header):
                out[link.get("rel") or link.get("url")] = link
        return out

    def iter_content(self, chunk_size=1, decode_unicode=False):
        """The body in chunks of chunk_size bytes (None: one chunk); str with decode_unicode."""
        if chunk_size is not None and not isinstance(chunk_size, int):
            raise TypeError(f"chunk_size must be an int, it is instead a {type(chunk_size)}.")
        size = len(self.content) or 1 if chunk_size is None else chunk_size
        chunks = (self.content[i:i + size] for i in range(0, len(self.content), size))
        if decode_unicode:
            decoder = codecs.getincrementaldecoder(self.encoding or self.apparent_encoding)(errors="replace")
            return _decoded(chunks, decoder)
        return chunks

    def iter_lines(self, chunk_size=512, decode_unicode=False, delimiter=None):
        pending = None
        for chunk in self.iter_content(chunk_size=chunk_size, decode_unicode=decode_unicode):
            if pending is not None:
                chunk = pending + chunk
            lines = chunk.split(delimiter) if delimiter else chunk.splitlines()
            if lines and lines[-1] and chunk and lines[-1][-1] == chunk[-1]:
                pending = lines.pop()
            else:
                pending = None
            yield from lines
        if pending is not None:
            yield pending

    def __iter__(self):
        return self.iter_content(128)

    def close(self):
        """Closes `raw`; the C response was copied and freed when it arrived."""
        if self.raw is not None and hasattr(self.raw, "close"):
            self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __getstate__(self):
        state = dict(self.__dict__)
        state["raw"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return f"<Response [{self.status_code}]>"


class SentRequest:
    """Response.request: the request of one hop as the C library sent it (requests'
    PreparedRequest fields method, url, headers, body). libcurl's own Host, Content-Length
    and a digest Authorization are not in `headers`."""

    def __init__(self, method, url, headers, body):
        self.method, self.url, self.headers, self.body = method, url, headers, body
        self.hooks = {"response": []}

    @classmethod
    def _from_c(cls, native, ptr, url):
        """The hop's request (session_response_request_*), None when nothing was sent."""
        method = text(native.session_response_request_method(ptr))
        if not method:
            return None
        headers = CaseInsensitiveDict()
        name, value = ctypes.c_char_p(), ctypes.c_char_p()
        for i in range(native.session_response_request_header_count(ptr)):
            exceptions.check(native.session_response_request_header_at(ptr, i, ctypes.byref(name), ctypes.byref(value)))
            headers[name.value.decode("latin-1")] = value.value.decode("latin-1")
        size = ctypes.c_size_t()
        data = native.session_response_request_body(ptr, ctypes.byref(size))
        body = ctypes.string_at(data, size.value) if data else None
        return cls(method, url, headers, body)

    @property
    def path_url(self):
        parts = urlsplit(self.url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def copy(self):
        return SentRequest(self.method, self.url, self.headers.copy(), self.body)

    def __repr__(self):
        return f"<PreparedRequest [{self.method}]>"


def _decoded(chunks, decoder):
    for chunk in chunks:
        out = decoder.decode(chunk)
        if out:
            yield out
    out = decoder.decode(b"", final=True)
    if out:
        yield out


def _parse_links(value):
    """requests.utils.parse_header_links."""
    links = []
    replace_chars = " '\""
    value = value.strip(replace_chars)
    if not value:
        return links
    for val in re.split(", *<", value):
        try:
            url, params = val.split(";", 1)
        except ValueError:
            url, params = val, ""
        link = {"url": url.strip("<> '\"")}
        for param in params.split(";"):
            try:
                key, v = param.split("=")
            except ValueError:
                break
            link[key.strip(replace_chars)] = v.strip(replace_chars)
        links.append(link)
    return links


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
