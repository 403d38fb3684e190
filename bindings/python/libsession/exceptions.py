"""Exceptions, one class per session_code, shaped like requests.exceptions."""


class RequestException(OSError):
    """Base of every libsession error. `code` is the session_code, `response` the Response
    when one was received (e.g. the last redirect for TooManyRedirects), else None."""

    code = None

    def __init__(self, *args, code=None, response=None, request=None):
        super().__init__(*args)
        if code is not None:
            self.code = code
        self.response = response
        self.request = request


class InvalidArgument(RequestException, ValueError):
    """SESSION_E_INVALID_ARGUMENT: NULL, CR/LF/NUL in a header, bad option value."""

    code = 1


class InvalidURL(RequestException, ValueError):
    """SESSION_E_INVALID_URL: unparsable URL, missing or unsupported scheme."""

    code = 2


class ConnectionError(RequestException):
    """SESSION_E_CONNECT: refused, reset, unreachable."""

    code = 4


class ResolveError(ConnectionError):
    """SESSION_E_RESOLVE: DNS failure."""

    code = 3


class Timeout(RequestException):
    """SESSION_E_TIMEOUT: connect timeout or total deadline passed."""

    code = 5


class SSLError(ConnectionError):
    """SESSION_E_TLS: handshake or certificate verification failed."""

    code = 6


class TooManyRedirects(RequestException):
    """SESSION_E_TOO_MANY_REDIRECTS."""

    code = 7


class ProxyError(ConnectionError):
    """SESSION_E_PROXY."""

    code = 8


class TooLarge(RequestException):
    """SESSION_E_TOO_LARGE: body or headers over the configured limit."""

    code = 9


class ContentDecodingError(RequestException):
    """SESSION_E_DECODE: content decoding failed, bad chunking, truncated body."""

    code = 10


class LocalIOError(RequestException):
    """SESSION_E_IO: a local file could not be read or written."""

    code = 11


class Cancelled(RequestException):
    """SESSION_E_CANCELLED."""

    code = 12


class HTTPError(RequestException):
    """SESSION_E_HTTP_STATUS: raised by Response.raise_for_status for 4xx/5xx."""

    code = 13


class OutOfMemory(RequestException, MemoryError):
    """SESSION_E_OUT_OF_MEMORY."""

    code = 14


class InternalError(RequestException):
    """SESSION_E_INTERNAL: a bug in libsession."""

    code = 15


class NotSupported(RequestException):
    """The loaded library lacks a function this binding declares (an older build)."""


class JSONDecodeError(RequestException, ValueError):
    """Response.json() on a body that is not JSON."""


BY_CODE = {
    cls.code: cls
    for cls in (
        InvalidArgument, InvalidURL, ResolveError, ConnectionError, Timeout, SSLError,
        TooManyRedirects, ProxyError, TooLarge, ContentDecodingError, LocalIOError, Cancelled,
        HTTPError, OutOfMemory, InternalError,
    )
}


def from_code(code, message, **kwargs):
    """The exception for a non-zero session_code (RequestException for unknown codes)."""
    cls = BY_CODE.get(code, RequestException)
    return cls(message, code=code, **kwargs)


def check(code, what=""):
    """Raises the exception for a setter's session_code; returns None for SESSION_OK."""
    if code == 0:
        return
    from ._native import lib, text

    detail = text(lib().session_last_error()) or text(lib().session_strerror(code))
    raise from_code(code, f"{what}: {detail}" if what else detail)
