"""ctypes declarations of libsession's C API (include/session.h) and the library loader.

Binding a new C function is one line in DECLARATIONS. A declared function missing from the
loaded library (an older build) raises NotSupported when called, not at import.
"""
import ctypes
import ctypes.util
import os
import threading
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_bool,
    c_char_p,
    c_double,
    c_int,
    c_int64,
    c_long,
    c_size_t,
    c_uint16,
    c_uint64,
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


class CookieStruct(Structure):
    """session_cookie_t."""

    _fields_ = [
        ("name", c_char_p),
        ("value", c_char_p),
        ("domain", c_char_p),
        ("path", c_char_p),
        ("expires", c_int64),
        ("secure", c_bool),
        ("http_only", c_bool),
        ("host_only", c_bool),
    ]


class TimingsStruct(Structure):
    """session_timings_t: `size` is set to the struct's size before each call."""

    _fields_ = [
        ("size", c_size_t),
        ("dns", c_double),
        ("connect", c_double),
        ("tls", c_double),
        ("first_byte", c_double),
        ("total", c_double),
        ("reused", c_bool),
    ]


class EventStruct(Structure):
    """session_event_t: one Server-Sent Event, valid during its callback only."""

    _fields_ = [
        ("event", c_char_p),
        ("data", c_void_p),
        ("data_len", c_size_t),
        ("id", c_char_p),
        ("retry_ms", c_int64),
    ]


class WsMessageStruct(Structure):
    """session_ws_message_t."""

    _fields_ = [
        ("type", c_int),
        ("data", c_void_p),
        ("len", c_size_t),
        ("close_code", c_uint16),
        ("close_reason", c_char_p),
    ]


RESPONSE_P = POINTER(ResponseStruct)
WS_P = c_void_p  # opaque session_ws_t *
WS_MESSAGE_P = POINTER(WsMessageStruct)
SESSION_P = c_void_p  # opaque session_t *
REQUEST_P = c_void_p  # opaque session_request_t *
CODE = c_int  # session_code
OWNED_STR = c_void_p  # char * freed with session_string_free
FUTURE_P = c_void_p  # opaque session_future_t *
COOKIE_LIST_P = c_void_p  # opaque session_cookie_list_t *

# Callback types (ctypes keeps a Python callable alive only while its CFUNCTYPE object is
# referenced: the binding keeps each one on the object that registered it).
DONE_FN = CFUNCTYPE(None, c_void_p)
RESPONSE_HOOK = CFUNCTYPE(None, RESPONSE_P, c_void_p)
DEBUG_CB = CFUNCTYPE(None, c_int, POINTER(ctypes.c_char), c_size_t, c_void_p)
READ_CB = CFUNCTYPE(c_size_t, POINTER(ctypes.c_char), c_size_t, c_void_p)
SEEK_CB = CFUNCTYPE(c_int, c_uint64, c_void_p)
WRITE_CB = CFUNCTYPE(c_size_t, POINTER(ctypes.c_char), c_size_t, c_void_p)
PROGRESS_CB = CFUNCTYPE(c_int, c_uint64, c_uint64, c_uint64, c_uint64, c_void_p)
EVENT_CB = CFUNCTYPE(c_int, POINTER(EventStruct), c_void_p)
READ_ABORT = ctypes.c_size_t(-1).value  # SESSION_READ_ABORT

COOKIES_JSON, COOKIES_NETSCAPE = 0, 1  # session_cookie_format
REPLAY_MODES = {"off": 0, "record": 1, "playback": 2, "auto": 3}  # session_replay_mode
CACHE_MODES = {"default": 0, "no-store": 1, "no-cache": 2, "force-cache": 3, "only-if-cached": 4}  # session_cache_mode
CACHE_STATUSES = ("none", "miss", "hit", "revalidated", "stale")  # session_cache_status
HTTP_VERSIONS = {None: 0, "default": 0, "1.1": 1, "2": 2, "2-prior-knowledge": 3}  # session_http_version

# name: (restype, argtypes), in header order.
DECLARATIONS = {
    # cookies
    "session_cookie_set": (CODE, [SESSION_P, c_char_p, c_char_p, c_char_p, c_char_p]),
    "session_cookie_get": (OWNED_STR, [SESSION_P, c_char_p, c_char_p]),
    "session_cookie_header": (OWNED_STR, [SESSION_P, c_char_p]),
    "session_string_free": (None, [c_void_p]),
    "session_cookies_clear": (CODE, [SESSION_P]),
    "session_cookie_add": (CODE, [SESSION_P, POINTER(CookieStruct)]),
    "session_cookies_clear_domain": (CODE, [SESSION_P, c_char_p]),
    "session_cookie_delete": (CODE, [SESSION_P, c_char_p, c_char_p, c_char_p]),
    "session_set_cookie_limits": (CODE, [SESSION_P, c_size_t, c_size_t]),
    "session_cookies_list": (COOKIE_LIST_P, [SESSION_P]),
    "session_cookie_list_len": (c_size_t, [COOKIE_LIST_P]),
    "session_cookie_list_at": (POINTER(CookieStruct), [COOKIE_LIST_P, c_size_t]),
    "session_cookie_list_free": (None, [COOKIE_LIST_P]),
    "session_cookies_save": (CODE, [SESSION_P, c_char_p, c_int]),
    "session_cookies_save_ex": (CODE, [SESSION_P, c_char_p, c_int, c_bool]),
    "session_cookies_load": (CODE, [SESSION_P, c_char_p, c_int]),
    # session state: HSTS, redirect safety, one-file save/restore
    "session_set_hsts": (CODE, [SESSION_P, c_bool]),
    "session_hsts_add": (CODE, [SESSION_P, c_char_p, c_int64, c_bool]),
    "session_hsts_clear": (CODE, [SESSION_P]),
    "session_hsts_lookup": (c_bool, [SESSION_P, c_char_p]),
    "session_set_sensitive_headers": (CODE, [SESSION_P, c_char_p]),
    "session_set_https_only": (CODE, [SESSION_P, c_bool]),
    "session_save": (CODE, [SESSION_P, c_char_p]),
    "session_load": (CODE, [SESSION_P, c_char_p]),
    # concurrency: batches, futures, pool
    "session_send_all": (CODE, [SESSION_P, POINTER(REQUEST_P), c_size_t, POINTER(RESPONSE_P)]),
    "session_send_async": (FUTURE_P, [SESSION_P, REQUEST_P]),
    "session_send_async_cb": (FUTURE_P, [SESSION_P, REQUEST_P, DONE_FN, c_void_p]),
    "session_future_wait": (RESPONSE_P, [FUTURE_P, c_long]),
    "session_future_ready": (c_bool, [FUTURE_P]),
    "session_future_cancel": (None, [FUTURE_P]),
    "session_future_free": (None, [FUTURE_P]),
    "session_completion_fd": (c_int, [SESSION_P]),
    "session_set_pool_limits": (CODE, [SESSION_P, c_size_t, c_size_t]),
    "session_set_pool_idle_timeout_ms": (CODE, [SESSION_P, c_long]),
    # HAR export and record/replay
    "session_set_har_log": (CODE, [SESSION_P, c_char_p]),
    "session_set_har_options": (CODE, [SESSION_P, c_bool, c_bool, c_uint64]),
    "session_har_flush": (CODE, [SESSION_P]),
    "session_set_replay": (CODE, [SESSION_P, c_char_p, c_int]),
    "session_set_replay_matching": (CODE, [SESSION_P, c_char_p, c_char_p, c_char_p]),
    # the HTTP cache
    "session_set_cache": (CODE, [SESSION_P, c_char_p, c_uint64]),
    "session_request_set_cache_mode": (CODE, [REQUEST_P, c_int]),
    "session_response_cache_status": (c_int, [RESPONSE_P]),
    # errors, version
    "session_strerror": (c_char_p, [c_int]),
    "session_last_error": (c_char_p, []),
    "session_version": (c_char_p, []),
    # requests
    "session_request_new": (REQUEST_P, [c_char_p, c_char_p]),
    "session_request_free": (None, [REQUEST_P]),
    "session_request_set_header": (CODE, [REQUEST_P, c_char_p, c_char_p]),
    "session_request_add_cookie": (CODE, [REQUEST_P, c_char_p, c_char_p]),
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
    "session_response_request_method": (c_char_p, [RESPONSE_P]),
    "session_response_request_header_count": (c_size_t, [RESPONSE_P]),
    "session_response_request_header_at": (CODE, [RESPONSE_P, c_size_t, POINTER(c_char_p), POINTER(c_char_p)]),
    "session_response_request_body": (c_void_p, [RESPONSE_P, POINTER(c_size_t)]),
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
    "session_set_max_header_bytes": (CODE, [SESSION_P, c_size_t]),
    # connections: pins, Unix sockets, local address, IP family, DoH, bandwidth
    "session_set_pinned_public_key": (CODE, [SESSION_P, c_char_p]),
    "session_set_unix_socket": (CODE, [SESSION_P, c_char_p]),
    "session_request_set_unix_socket": (CODE, [REQUEST_P, c_char_p]),
    "session_set_interface": (CODE, [SESSION_P, c_char_p]),
    "session_set_local_port_range": (CODE, [SESSION_P, c_int, c_int]),
    "session_set_ip_resolve": (CODE, [SESSION_P, c_int]),
    "session_set_happy_eyeballs_ms": (CODE, [SESSION_P, c_long]),
    "session_set_doh_url": (CODE, [SESSION_P, c_char_p]),
    "session_set_max_recv_speed": (CODE, [SESSION_P, c_int64]),
    "session_set_max_send_speed": (CODE, [SESSION_P, c_int64]),
    "session_request_set_max_recv_speed": (CODE, [REQUEST_P, c_int64]),
    "session_request_set_max_send_speed": (CODE, [REQUEST_P, c_int64]),
    # hooks, tracing, timings
    "session_set_response_hook": (CODE, [SESSION_P, RESPONSE_HOOK, c_void_p]),
    "session_request_set_response_hook": (CODE, [REQUEST_P, RESPONSE_HOOK, c_void_p]),
    "session_set_debug_callback": (CODE, [SESSION_P, DEBUG_CB, c_void_p]),
    "session_response_timings": (CODE, [RESPONSE_P, POINTER(TimingsStruct)]),
    # transfers: multipart, streamed bodies, downloads, HTTP versions, user agent
    "session_request_add_file": (CODE, [REQUEST_P, c_char_p, c_char_p, c_char_p, c_char_p]),
    "session_request_add_file_data": (CODE, [REQUEST_P, c_char_p, c_char_p, c_size_t, c_char_p, c_char_p]),
    "session_request_set_body_file": (CODE, [REQUEST_P, c_char_p, c_char_p]),
    "session_request_set_body_callback": (CODE, [REQUEST_P, READ_CB, SEEK_CB, c_void_p, c_int64, c_char_p]),
    "session_request_set_write_callback": (CODE, [REQUEST_P, WRITE_CB, c_void_p]),
    "session_request_set_output_file": (CODE, [REQUEST_P, c_char_p]),
    "session_request_set_progress_callback": (CODE, [REQUEST_P, PROGRESS_CB, c_void_p]),
    "session_request_set_http_version": (CODE, [REQUEST_P, c_int]),
    "session_set_http_version": (CODE, [SESSION_P, c_int]),
    "session_set_user_agent": (CODE, [SESSION_P, c_char_p]),
    # long-lived streams: Server-Sent Events and WebSocket
    "session_request_set_event_callback": (CODE, [REQUEST_P, EVENT_CB, c_void_p]),
    "session_events_follow": (RESPONSE_P, [SESSION_P, REQUEST_P, EVENT_CB, c_void_p]),
    "session_ws_connect": (WS_P, [SESSION_P, c_char_p, REQUEST_P]),
    "session_ws_connect_response": (WS_P, [SESSION_P, c_char_p, REQUEST_P, POINTER(RESPONSE_P)]),
    "session_ws_send_text": (CODE, [WS_P, c_char_p, c_size_t]),
    "session_ws_send_binary": (CODE, [WS_P, c_char_p, c_size_t]),
    "session_ws_ping": (CODE, [WS_P, c_char_p, c_size_t]),
    "session_ws_recv": (WS_MESSAGE_P, [WS_P, c_int]),
    "session_ws_message_free": (None, [WS_MESSAGE_P]),
    "session_ws_close": (CODE, [WS_P, c_uint16, c_char_p]),
    "session_ws_fd": (c_int, [WS_P]),
    "session_ws_set_max_message": (CODE, [WS_P, c_size_t]),
    "session_ws_free": (None, [WS_P]),
}


_NAMES = ("libsession.so", "libsession.so.0", "libsession.dylib")


def _checkout_dirs():
    """target/release of the checkout this package was installed from (recorded at build
    time in _build_info.py) or is run from (bindings/python/libsession in a checkout)."""
    dirs = []
    try:
        from . import _build_info  # written by setup.py when building from a checkout

        dirs += list(_build_info.LIBRARY_DIRS)
    except ImportError:
        pass
    root = os.path.abspath(os.path.join(_HERE, "..", "..", ".."))
    if os.path.exists(os.path.join(root, "include", "session.h")):
        target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(root, "target")
        dirs.append(os.path.join(target, "release"))
    return dirs


# Where `make install` puts the library (PREFIX /usr/local by default) when the dynamic
# linker's cache does not know it yet (no ldconfig run).
_PREFIX_DIRS = ("/usr/local/lib", "/usr/local/lib64", "/usr/lib", "/usr/lib64")


def _candidates():
    """Where the shared library is looked for, in order: $LIBSESSION_LIBRARY alone when set;
    else a copy inside the package (a wheel built with the library), the checkout's
    target/release, the system's library path, the usual install prefixes."""
    env = os.environ.get(ENV_VAR)
    if env:
        return [env]  # an explicit choice is not second-guessed
    found = [os.path.join(d, n) for d in [_HERE] + _checkout_dirs() for n in _NAMES]
    system = ctypes.util.find_library("session")
    found += [system] if system else []
    found += [os.path.join(d, n) for d in _PREFIX_DIRS for n in ("libsession.so.0", "libsession.so")]
    seen, out = set(), []
    for path in found:
        if path and path not in seen and (os.path.exists(path) or path == system):
            seen.add(path)
            out.append(path)
    return out


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
                    "libsession shared library not found: build it (cargo build --release) in "
                    "the checkout the package was installed from, `make install` it, or set "
                    "LIBSESSION_LIBRARY to the path of libsession.so"
                    + ("; tried " + "; ".join(errors) if errors else "")
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
