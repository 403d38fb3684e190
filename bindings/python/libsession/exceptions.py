"""Exceptions, one class per session_code, shaped like requests.exceptions.

When requests is importable, each class also subclasses the requests.exceptions class of the
same meaning (so `except requests.ConnectionError` catches libsession's ConnectionError);
without it, stand-ins with requests' names and hierarchy are used instead.
"""
import json as _json

try:  # requests is optional: only its exception classes are used, as extra bases
    from requests import exceptions as _rx
    from requests.cookies import CookieConflictError as _CookieConflictError
except ImportError:  # pragma: no cover - exercised only where requests is not installed
    _rx = None
    _CookieConflictError = None


def _mirror():
    """requests.exceptions' hierarchy, for when requests is not importable."""

    class RequestException(OSError):
        pass

    class InvalidJSONError(RequestException):
        pass

    class JSONDecodeError(InvalidJSONError, _json.JSONDecodeError):
        def __init__(self, *args, **kwargs):
            _json.JSONDecodeError.__init__(self, *args)
            InvalidJSONError.__init__(self, *self.args, **kwargs)

    class HTTPError(RequestException):
        pass

    class ConnectionError(RequestException):
        pass

    class ProxyError(ConnectionError):
        pass

    class SSLError(ConnectionError):
        pass

    class Timeout(RequestException):
        pass

    class ConnectTimeout(ConnectionError, Timeout):
        pass

    class ReadTimeout(Timeout):
        pass

    class URLRequired(RequestException):
        pass

    class TooManyRedirects(RequestException):
        pass

    class MissingSchema(RequestException, ValueError):
        pass

    class InvalidSchema(RequestException, ValueError):
        pass

    class InvalidURL(RequestException, ValueError):
        pass

    class InvalidHeader(RequestException, ValueError):
        pass

    class InvalidProxyURL(InvalidURL):
        pass

    class ChunkedEncodingError(RequestException):
        pass

    class ContentDecodingError(RequestException):
        pass

    class RetryError(RequestException):
        pass

    class CookieConflictError(RuntimeError):
        pass

    return {k: v for k, v in locals().items() if isinstance(v, type)}


if _rx is None:
    _BASES = _mirror()
else:
    _BASES = {name: getattr(_rx, name) for name in (
        "RequestException", "InvalidJSONError", "JSONDecodeError", "HTTPError", "ConnectionError",
        "ProxyError", "SSLError", "Timeout", "ConnectTimeout", "ReadTimeout", "URLRequired",
        "TooManyRedirects", "MissingSchema", "InvalidSchema", "InvalidURL", "InvalidHeader",
        "InvalidProxyURL", "ChunkedEncodingError", "ContentDecodingError", "RetryError")}
    _BASES["CookieConflictError"] = _CookieConflictError


class RequestException(_BASES["RequestException"]):
    """Base of every libsession error. `code` is the session_code, `response` the Response
    when one was received (e.g. the last redirect for TooManyRedirects), else None."""

    code = None

    def __init__(self, *args, code=None, response=None, request=None):
        OSError.__init__(self, *args)
        if code is not None:
            self.code = code
        self.response = response
        self.request = request
        if request is None and response is not None and hasattr(response, "request"):
            self.request = response.request


class InvalidArgument(RequestException, ValueError):
    """SESSION_E_INVALID_ARGUMENT: NULL, CR/LF/NUL in a header, bad option value."""

    code = 1


class InvalidHeader(InvalidArgument, _BASES["InvalidHeader"]):
    """A header name or value the library refuses (requests' InvalidHeader)."""


class InvalidURL(RequestException, _BASES["InvalidURL"]):
    """SESSION_E_INVALID_URL: unparsable URL, missing or unsupported scheme."""

    code = 2


class MissingSchema(InvalidURL, _BASES["MissingSchema"]):
    """A URL without a scheme (requests' MissingSchema)."""


class InvalidSchema(InvalidURL, _BASES["InvalidSchema"]):
    """A URL whose scheme is not http or https (requests' InvalidSchema)."""


class InvalidProxyURL(InvalidURL, _BASES["InvalidProxyURL"]):
    """A proxy URL that cannot be parsed."""


class ConnectionError(RequestException, _BASES["ConnectionError"]):
    """SESSION_E_CONNECT: refused, reset, unreachable."""

    code = 4


class ResolveError(ConnectionError):
    """SESSION_E_RESOLVE: DNS failure."""

    code = 3


class Timeout(RequestException, _BASES["Timeout"]):
    """SESSION_E_TIMEOUT: connect timeout, read timeout or total deadline passed."""

    code = 5


class ConnectTimeout(ConnectionError, Timeout, _BASES["ConnectTimeout"]):
    """SESSION_E_TIMEOUT while connecting."""

    code = 5


class ReadTimeout(Timeout, _BASES["ReadTimeout"]):
    """SESSION_E_TIMEOUT after the connection was made."""

    code = 5


class SSLError(ConnectionError, _BASES["SSLError"]):
    """SESSION_E_TLS: handshake or certificate verification failed."""

    code = 6


class TooManyRedirects(RequestException, _BASES["TooManyRedirects"]):
    """SESSION_E_TOO_MANY_REDIRECTS."""

    code = 7


class ProxyError(ConnectionError, _BASES["ProxyError"]):
    """SESSION_E_PROXY."""

    code = 8


class TooLarge(RequestException):
    """SESSION_E_TOO_LARGE: body or headers over the configured limit."""

    code = 9


class ContentDecodingError(RequestException, _BASES["ContentDecodingError"]):
    """SESSION_E_DECODE: content decoding failed, bad chunking, truncated body."""

    code = 10


class ChunkedEncodingError(ContentDecodingError, _BASES["ChunkedEncodingError"]):
    """SESSION_E_DECODE for a broken chunked encoding or a truncated body."""

    code = 10


class LocalIOError(RequestException):
    """SESSION_E_IO: a local file could not be read or written."""

    code = 11


class Cancelled(RequestException):
    """SESSION_E_CANCELLED."""

    code = 12


class HTTPError(RequestException, _BASES["HTTPError"]):
    """SESSION_E_HTTP_STATUS: raised by Response.raise_for_status for 4xx/5xx."""

    code = 13


class OutOfMemory(RequestException, MemoryError):
    """SESSION_E_OUT_OF_MEMORY."""

    code = 14


class InternalError(RequestException):
    """SESSION_E_INTERNAL: a bug in libsession."""

    code = 15


class NotRecorded(RequestException):
    """SESSION_E_NOT_RECORDED: replay in playback mode holds no exchange for the request
    (the message names its method and URL)."""

    code = 16


class UpgradeRefused(ConnectionError):
    """SESSION_E_UPGRADE_REFUSED: the server answered a WebSocket upgrade with a status other
    than 101; `response` is that answer."""

    code = 17


class NotCached(RequestException):
    """SESSION_E_NOT_CACHED: a request in SESSION_CACHE_ONLY_IF_CACHED mode found no stored
    response (the message names its method and URL)."""

    code = 18


class NotSupported(RequestException):
    """A requests feature the binding does not offer, or a C function the loaded library
    lacks (an older build)."""


class InvalidJSONError(RequestException, _BASES["InvalidJSONError"]):
    """A json= body that cannot be serialized (NaN, an unserializable object)."""


class JSONDecodeError(InvalidJSONError, _BASES["JSONDecodeError"]):
    """Response.json() on a body that is not JSON (msg, doc, pos as json.JSONDecodeError)."""

    def __init__(self, msg, doc="", pos=0, response=None, request=None):
        _json.JSONDecodeError.__init__(self, msg, doc, pos)
        self.response, self.request = response, request

    def __reduce__(self):
        return self.__class__, (self.msg, self.doc, self.pos)


class CookieConflictError(_BASES["CookieConflictError"]):
    """cookies.get(name) matched cookies of more than one domain or path."""


BY_CODE = {
    cls.code: cls
    for cls in (
        InvalidArgument, InvalidURL, ResolveError, ConnectionError, Timeout, SSLError,
        TooManyRedirects, ProxyError, TooLarge, ContentDecodingError, LocalIOError, Cancelled,
        HTTPError, OutOfMemory, InternalError, UpgradeRefused, NotRecorded, NotCached,
    )
}


def _refine(cls, message):
    """The narrower requests class a message shows (libcurl's wording)."""
    low = (message or "").lower()
    if cls is Timeout:
        if "connect" in low or "resolv" in low:
            return ConnectTimeout
        return ReadTimeout
    if cls is ContentDecodingError and ("chunk" in low or "transfer closed" in low or "partial" in low):
        return ChunkedEncodingError
    return cls


def from_code(code, message, **kwargs):
    """The exception for a non-zero session_code (RequestException for unknown codes)."""
    cls = _refine(BY_CODE.get(code, RequestException), message)
    return cls(message, code=code, **kwargs)


def check(code, what=""):
    """Raises the exception for a setter's session_code; returns None for SESSION_OK."""
    if code == 0:
        return
    from ._native import lib, text

    detail = text(lib().session_last_error()) or text(lib().session_strerror(code))
    raise from_code(code, f"{what}: {detail}" if what else detail)
