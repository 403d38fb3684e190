"""ctypes declarations of libsession's C API (include/session.h) and the library loader.

Binding a new C function is one line in DECLARATIONS. A declared function missing from the
loaded library (an older build) raises NotSupported when called, not at import.
"""
import ctypes
import ctypes.util
import os
import threading
from ctypes import (
    POINTER,
    Structure,
    c_bool,
    c_char_p,
    c_double,
    c_int,
    c_long,
    c_size_t,
    c_void_p,
)

ENV_VAR = "LIBSESSION_LIBRARY"
_HERE = os.path.dirname(os.path.abspath(__file__))


class ResponseStruct(Structure):
    """session_response_t: fields only ever appended in the C header, never reordered."""

    _fields_ = [
        ("error", c_int),
        ("error_message", c_char_p),
        ("status_code", c_long),
        ("reason", c_char_p),
        ("url", c_char_p),
        ("body", c_void_p),
        ("body_len", c_size_t),
        ("elapsed", c_double),
        ("http_version", c_char_p),
        ("redirect_count", c_size_t),
    ]


RESPONSE_P = POINTER(ResponseStruct)
SESSION_P = c_void_p  # opaque session_t *
REQUEST_P = c_void_p  # opaque session_request_t *
CODE = c_int  # session_code
OWNED_STR = c_void_p  # char * freed with session_string_free

# name: (restype, argtypes), in header order.
DECLARATIONS = {
    # cookies
    "session_cookie_set": (CODE, [SESSION_P, c_char_p, c_char_p, c_char_p, c_char_p]),
    "session_cookie_get": (OWNED_STR, [SESSION_P, c_char_p, c_char_p]),
    "session_cookie_header": (OWNED_STR, [SESSION_P, c_char_p]),
    "session_string_free": (None, [c_void_p]),
    "session_cookies_clear": (CODE, [SESSION_P]),
    # errors, version
    "session_strerror": (c_char_p, [c_int]),
    "session_last_error": (c_char_p, []),
    "session_version": (c_char_p, []),
    # requests
    "session_request_new": (REQUEST_P, [c_char_p, c_char_p]),
    "session_request_free": (None, [REQUEST_P]),
    "session_request_set_header": (CODE, [REQUEST_P, c_char_p, c_char_p]),
    "session_request_add_param": (CODE, [REQUEST_P, c_char_p, c_char_p]),
    "session_request_set_body": (CODE, [REQUEST_P, c_char_p, c_size_t, c_char_p]),
    "session_request_set_json": (CODE, [REQUEST_P, c_char_p]),
    "session_request_add_form": (CODE, [REQUEST_P, c_char_p, c_char_p]),
    "session_request_set_timeout_ms": (CODE, [REQUEST_P, c_long]),
    "session_request_set_allow_redirects": (CODE, [REQUEST_P, c_bool]),
    "session_send": (RESPONSE_P, [SESSION_P, REQUEST_P]),
    "session_get": (RESPONSE_P, [SESSION_P, c_char_p]),
    "session_head": (RESPONSE_P, [SESSION_P, c_char_p]),
    "session_delete": (RESPONSE_P, [SESSION_P, c_char_p]),
    "session_post": (RESPONSE_P, [SESSION_P, c_char_p, c_char_p, c_size_t, c_char_p]),
    "session_put": (RESPONSE_P, [SESSION_P, c_char_p, c_char_p, c_size_t, c_char_p]),
    "session_patch": (RESPONSE_P, [SESSION_P, c_char_p, c_char_p, c_size_t, c_char_p]),
    # responses
    "session_response_header": (c_char_p, [RESPONSE_P, c_char_p]),
    "session_response_header_count": (c_size_t, [RESPONSE_P]),
    "session_response_header_at": (CODE, [RESPONSE_P, c_size_t, POINTER(c_char_p), POINTER(c_char_p)]),
    "session_response_history_at": (RESPONSE_P, [RESPONSE_P, c_size_t]),
    "session_response_ok": (c_bool, [RESPONSE_P]),
    "session_response_raise_for_status": (CODE, [RESPONSE_P]),
    "session_response_free": (None, [RESPONSE_P]),
    # sessions
    "session_new": (SESSION_P, []),
    "session_free": (None, [SESSION_P]),
    "session_set_header": (CODE, [SESSION_P, c_char_p, c_char_p]),
    "session_set_param": (CODE, [SESSION_P, c_char_p, c_char_p]),
    "session_set_basic_auth": (CODE, [SESSION_P, c_char_p, c_char_p]),
    "session_set_bearer_token": (CODE, [SESSION_P, c_char_p]),
    "session_set_timeout_ms": (CODE, [SESSION_P, c_long, c_long]),
    "session_set_max_redirects": (CODE, [SESSION_P, c_int]),
    "session_set_verify": (CODE, [SESSION_P, c_bool]),
    "session_set_ca_bundle": (CODE, [SESSION_P, c_char_p]),
    "session_set_max_body_size": (CODE, [SESSION_P, c_size_t]),
    "session_set_resolve": (CODE, [SESSION_P, c_char_p, c_int, c_char_p]),
    # network: auth, TLS, proxies, timeouts, retries
    "session_set_digest_auth": (CODE, [SESSION_P, c_char_p, c_char_p]),
    "session_set_netrc": (CODE, [SESSION_P, c_bool, c_char_p]),
    "session_set_ca_path": (CODE, [SESSION_P, c_char_p]),
    "session_set_client_cert": (CODE, [SESSION_P, c_char_p, c_char_p, c_char_p]),
    "session_set_proxy": (CODE, [SESSION_P, c_char_p, c_char_p]),
    "session_set_trust_env": (CODE, [SESSION_P, c_bool]),
    "session_set_read_timeout_ms": (CODE, [SESSION_P, c_long]),
    "session_set_retries": (CODE, [SESSION_P, c_int, c_double]),
    "session_set_retry_statuses": (CODE, [SESSION_P, POINTER(c_int), c_size_t]),
    "session_set_retry_methods": (CODE, [SESSION_P, c_char_p]),
    "session_request_set_retries": (CODE, [REQUEST_P, c_int]),
    "session_request_set_read_timeout_ms": (CODE, [REQUEST_P, c_long]),
    "session_request_set_basic_auth": (CODE, [REQUEST_P, c_char_p, c_char_p]),
    "session_request_set_digest_auth": (CODE, [REQUEST_P, c_char_p, c_char_p]),
    "session_request_set_bearer_token": (CODE, [REQUEST_P, c_char_p]),
}


def _candidates():
    """Where the shared library is looked for, in order."""
    env = os.environ.get(ENV_VAR)
    if env:
        return [env]  # an explicit choice is not second-guessed
    found = [os.path.join(_HERE, n) for n in ("libsession.so", "libsession.so.0", "libsession.dylib")]
    found = [p for p in found if os.path.exists(p)]
    system = ctypes.util.find_library("session")
    return found + ([system] if system else [])


class _Missing:
    """Stands in for a declared function the loaded library does not export."""

    def __init__(self, name):
        self.name = name

    def __call__(self, *args):
        from .exceptions import NotSupported

        raise NotSupported(f"{self.name} is not exported by the loaded libsession")


class Library:
    """The loaded library with every declared function bound as an attribute."""

    def __init__(self, path):
        self.path = path
        self.cdll = ctypes.CDLL(path)
        for name, (restype, argtypes) in DECLARATIONS.items():
            try:
                fn = getattr(self.cdll, name)
            except AttributeError:
                setattr(self, name, _Missing(name))
                continue
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name, fn)

    def has(self, name):
        return not isinstance(getattr(self, name, None), _Missing)


_lock = threading.Lock()
_library = None


def lib():
    """The library, loaded on first use."""
    global _library
    with _lock:
        if _library is None:
            tried = _candidates()
            errors = []
            for path in tried:
                try:
                    _library = Library(path)
                    break
                except OSError as e:
                    errors.append(f"{path}: {e}")
            else:
                raise OSError(
                    "libsession shared library not found: set LIBSESSION_LIBRARY to the path of "
                    "libsession.so, put it next to the libsession package, or install it where "
                    "the dynamic linker finds it" + ("; tried " + "; ".join(errors) if errors else "")
                )
        return _library


def cstr(value, what):
    """UTF-8 bytes for a C string argument; None stays NULL. An embedded NUL would silently
    truncate the string in C, so it is refused here."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.encode("utf-8")
    elif not isinstance(value, bytes):
        value = str(value).encode("utf-8")
    if b"\0" in value:
        from .exceptions import InvalidArgument

        raise InvalidArgument(f"{what} contains a NUL byte", code=1)
    return value


def text(ptr_value):
    """A C string (bytes from ctypes) as str; None stays None."""
    if ptr_value is None:
        return None
    return ptr_value.decode("utf-8", "replace")


def take_string(ptr):
    """Copies a char * the caller owns and frees it with session_string_free."""
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode("utf-8", "replace")
    finally:
        lib().session_string_free(ptr)
