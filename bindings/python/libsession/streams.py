"""Long-lived streams from a Session: WebSocket (session_ws_*) and Server-Sent Events
(session_request_set_event_callback).

    with session.ws_connect("wss://example.org/chat") as ws:
        ws.send("hello")
        for msg in ws:            # Message objects until the peer's close
            print(msg.type, msg.data)

    for event in session.events("https://example.org/feed"):
        print(event.event, event.data, event.id)
"""
import ctypes
import queue
import threading

from . import _native as _n
from . import exceptions
from ._native import cstr, lib, text
from .models import Response

TEXT, BINARY, PING, PONG, CLOSE = "text", "binary", "ping", "pong", "close"
_TYPES = {0: TEXT, 1: BINARY, 2: PING, 3: PONG, 4: CLOSE}


class Message:
    """A received WebSocket message: `type` ("text", "binary", "ping", "pong", "close"),
    `data` (str for text, bytes otherwise), and for a close `close_code`, `close_reason`."""

    def __init__(self, type, data, close_code=0, close_reason=""):
        self.type, self.data, self.close_code, self.close_reason = type, data, close_code, close_reason

    def __repr__(self):
        return f"<Message {self.type} {self.data!r}>"


def _raise_last(what):
    native = lib()
    detail = text(native.session_last_error()) or what
    code = _code_of(detail)
    raise exceptions.from_code(code, f"{what}: {detail}")


def _code_of(detail):
    """session_last_error text starts with session_strerror(code): find the code back."""
    native = lib()
    for code in range(1, 64):
        prefix = text(native.session_strerror(code))
        if prefix and prefix != "unknown error code" and detail.startswith(prefix + ":"):
            return code
    return 15


class WebSocket:
    """An open WebSocket (session_ws_t). One thread may send while another receives;
    iterate it for messages until the peer's close. `response` is the handshake's 101."""

    def __init__(self, ptr, response):
        self._ptr = ptr
        self._lock = threading.Lock()
        self.response = response

    def _p(self):
        if not self._ptr:
            raise exceptions.InvalidArgument("the WebSocket is closed")
        return self._ptr

    def send(self, data):
        """Sends str as a text message, bytes as a binary one."""
        if isinstance(data, str):
            raw = data.encode("utf-8")
            exceptions.check(lib().session_ws_send_text(self._p(), raw, len(raw)), "send")
        else:
            raw = bytes(data)
            exceptions.check(lib().session_ws_send_binary(self._p(), raw, len(raw)), "send")

    def ping(self, data=b""):
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        exceptions.check(lib().session_ws_ping(self._p(), raw, len(raw)), "ping")

    def recv(self, timeout=None):
        """The next Message; Timeout when none came within `timeout` seconds (None: wait)."""
        ms = -1 if timeout is None else max(0, int(timeout * 1000))
        native = lib()
        m = native.session_ws_recv(self._p(), ms)
        if not m:
            _raise_last("recv")
        try:
            c = m.contents
            raw = ctypes.string_at(c.data, c.len) if c.len else b""
            kind = _TYPES.get(c.type, BINARY)
            data = raw.decode("utf-8") if kind == TEXT else raw
            return Message(kind, data, c.close_code, text(c.close_reason) or "")
        finally:
            native.session_ws_message_free(m)

    def __iter__(self):
        """Messages (pings and pongs included) until and with the peer's close."""
        while True:
            msg = self.recv()
            yield msg
            if msg.type == CLOSE:
                return

    def set_max_message(self, size):
        exceptions.check(lib().session_ws_set_max_message(self._p(), size), "max message")

    def fileno(self):
        return lib().session_ws_fd(self._p())

    def close(self, code=1000, reason=None):
        """Sends a close frame (the peer's close then comes through recv)."""
        exceptions.check(lib().session_ws_close(self._p(), code, cstr(reason, "reason")), "close")

    def free(self):
        """Sends a close if none was sent and frees the connection."""
        ptr, self._ptr = self._ptr, None
        if ptr:
            lib().session_ws_free(ptr)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.free()

    def __del__(self):
        try:
            self.free()
        except Exception:
            pass


def ws_connect(session, url, headers=None, subprotocols=None, params=None, timeout=None):
    """Opens a WebSocket with the session's cookies, headers, auth, TLS and proxy settings;
    UpgradeRefused (with `.response`) when the server answers other than 101."""
    native = lib()
    headers = dict(headers or {})
    if subprotocols:
        headers["Sec-WebSocket-Protocol"] = ", ".join(subprotocols)
    req, keep = session._new_request(native, _spec(url, headers, params, timeout))
    out = _n.RESPONSE_P()
    try:
        ptr = session._call("session_ws_connect_response", cstr(url, "URL"), req, ctypes.byref(out))
    finally:
        native.session_request_free(req)
    response = None
    if out:
        try:
            response = Response._from_c(out)
        finally:
            native.session_response_free(out)
    if not ptr:
        detail = text(native.session_last_error()) or "WebSocket connect failed"
        raise exceptions.from_code(_code_of(detail), detail, response=response)
    return WebSocket(ptr, response)


def _spec(url, headers, params, timeout, allow_redirects=False):
    from .sessions import _Spec

    http = url.replace("wss://", "https://", 1) if url.startswith("wss://") else \
        url.replace("ws://", "http://", 1) if url.startswith("ws://") else url
    return _Spec("GET", http, params, None, headers, None, None, None, timeout, allow_redirects,
                 None, None, None, None, None, None, None)


class Event:
    """One Server-Sent Event: `event` (type, "message" by default), `data`, `id` (the last
    event id), `retry` (ms, or None)."""

    def __init__(self, event, data, id, retry):
        self.event, self.data, self.id, self.retry = event, data, id, retry

    def __repr__(self):
        return f"<Event {self.event} {self.data!r} id={self.id!r}>"


_END = object()


def events(session, url, headers=None, params=None, timeout=None, reconnect=True, buffer=1000):
    """Yields the Events of an event stream as they arrive. With `reconnect`
    (session_events_follow), a stream that ends or fails is requested again after the
    server's `retry` delay (3 s when it set none) with Last-Event-ID, at most the session's
    Retry total times, never past `timeout` seconds in all. Memory is bounded: at most
    `buffer` events wait for the consumer (the stream is read no faster). Closing the
    generator ends the stream."""
    native = lib()
    q = queue.Queue(maxsize=buffer)
    stop = threading.Event()

    def on_event(ev, _u):
        c = ev.contents
        data = ctypes.string_at(c.data, c.data_len).decode("utf-8", "replace") if c.data_len else ""
        item = Event(text(c.event), data, text(c.id), None if c.retry_ms < 0 else c.retry_ms)
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return 0
            except queue.Full:
                continue
        return 1

    req, keep = session._new_request(native, _spec(url, headers, params, timeout, True))
    keep.events = _n.EVENT_CB(keep.guard(on_event, 1))
    outcome = {}

    def run():
        try:
            if reconnect:
                ptr = session._call("session_events_follow", req, keep.events, None)
            else:
                exceptions.check(native.session_request_set_event_callback(req, keep.events, None), "events")
                ptr = session._call("session_send", req)
            try:
                outcome["response"] = Response._from_c(ptr)
            finally:
                native.session_response_free(ptr)
        except BaseException as e:
            outcome["error"] = e
        finally:
            native.session_request_free(req)
            q.put(_END)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                break
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # let a blocked callback see `stop`
            try:
                q.get(timeout=0.1)
            except queue.Empty:
                pass
    error = outcome.get("error") or keep.error
    response = outcome.get("response")
    if error is None and response is not None and response.error_code:
        error = exceptions.from_code(response.error_code, response.error_message, response=response)
    if error is None and response is not None and response.status_code >= 400:
        error = exceptions.HTTPError(f"{response.status_code} for the event stream {url}", response=response)
    if error is not None and not stop.is_set():
        raise error
