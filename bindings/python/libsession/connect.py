"""How a Session's connections are made (include/session.h, docs/network.md "Connections"):
public-key pins, Unix domain sockets, the local address and port, the IP family, happy
eyeballs, DNS-over-HTTPS and bandwidth caps, as keyword arguments of Session and
properties, and per request (`unix_socket=`, `max_recv_speed=`, `max_send_speed=`)."""
import os

from . import exceptions
from ._native import cstr

KEYWORDS = ("unix_socket", "pin", "interface", "local_port", "ip_resolve", "happy_eyeballs_ms",
            "max_recv_speed", "max_send_speed", "doh_url")
REQUEST_KEYWORDS = ("unix_socket", "max_recv_speed", "max_send_speed")

_FAMILIES = {None: 0, "any": 0, 0: 0, "v4": 1, "ipv4": 1, 4: 1, "v6": 2, "ipv6": 2, 6: 2}


def _path(value, what):
    return None if value is None else cstr(os.fspath(value), what)


def _speed(value, what):
    """Bytes per second as an int (None: no cap)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise exceptions.InvalidArgument(f"{what} must be a number of bytes per second, got {value!r}")
    return int(value) if value >= 0 else -2  # negative: the C setter refuses it


class ConnectSettings:
    """Mixed into Session: each property calls its C setter (bad values raise
    InvalidArgument at once) and keeps the value for reading back."""

    def _init_connect(self, kwargs):
        self._connect = dict.fromkeys(KEYWORDS)
        unknown = set(kwargs) - set(KEYWORDS)
        if unknown:
            raise TypeError(f"unexpected Session arguments: {sorted(unknown)}")
        for name in KEYWORDS:
            if kwargs.get(name) is not None:
                setattr(self, name, kwargs[name])

    def _set_connect(self, name, function, *args):
        exceptions.check(self._call(function, *args), name)

    @property
    def pin(self):
        """Public-key pin of every TLS server and https proxy: "sha256//<base64>" (several
        joined by ';') or the path of a PEM/DER public key; None removes it. A server whose
        key matches no pin raises SSLError ("pinning failed"), never retried."""
        return self._connect["pin"]

    @pin.setter
    def pin(self, pin):
        self._set_connect("pin", "session_set_pinned_public_key", _path(pin, "pin"))
        self._connect["pin"] = pin

    @property
    def unix_socket(self):
        """Absolute path of a Unix domain socket every request goes through (the URL's host
        still names Host and cookies); None for TCP. http+unix://%2Fpath%2Fto.sock/... URLs
        do it per request."""
        return self._connect["unix_socket"]

    @unix_socket.setter
    def unix_socket(self, path):
        self._set_connect("unix_socket", "session_set_unix_socket", _path(path, "unix socket"))
        self._connect["unix_socket"] = path

    @property
    def interface(self):
        """Local interface or address connections are made from: "eth0", "if!eth0",
        "host!name", "ifhost!eth0!192.0.2.1" or an address; None for any."""
        return self._connect["interface"]

    @interface.setter
    def interface(self, interface):
        self._set_connect("interface", "session_set_interface", cstr(interface, "interface"))
        self._connect["interface"] = interface

    @property
    def local_port(self):
        """Local port connections are bound to: a port, or (port, range) for port ..
        port + range - 1; None for any."""
        return self._connect["local_port"]

    @local_port.setter
    def local_port(self, value):
        port, count = (value, 1) if not isinstance(value, (tuple, list)) else tuple(value)
        if port is None:
            port, count = 0, 0
        if not isinstance(port, int) or not isinstance(count, int):
            raise exceptions.InvalidArgument(f"local_port must be a port or (port, range), got {value!r}")
        if not (-2**31 <= port < 2**31 and -2**31 <= count < 2**31):
            port = -1  # out of range: the C setter refuses it
        self._set_connect("local_port", "session_set_local_port_range", port, count)
        self._connect["local_port"] = value

    @property
    def ip_resolve(self):
        """IP family of the addresses connected to: "any" (None), "v4" (4) or "v6" (6)."""
        return self._connect["ip_resolve"]

    @ip_resolve.setter
    def ip_resolve(self, family):
        key = family.lower() if isinstance(family, str) else family
        if key not in _FAMILIES or isinstance(key, bool):
            raise exceptions.InvalidArgument(f"ip_resolve must be 'any', 'v4' or 'v6', got {family!r}")
        self._set_connect("ip_resolve", "session_set_ip_resolve", _FAMILIES[key])
        self._connect["ip_resolve"] = family

    @property
    def happy_eyeballs_ms(self):
        """Milliseconds an IPv6 attempt runs before IPv4 starts beside it; None: 200."""
        return self._connect["happy_eyeballs_ms"]

    @happy_eyeballs_ms.setter
    def happy_eyeballs_ms(self, ms):
        if ms is not None and (isinstance(ms, bool) or not isinstance(ms, int)):
            raise exceptions.InvalidArgument(f"happy_eyeballs_ms must be an int, got {ms!r}")
        value = -1 if ms is None else (ms if 0 <= ms < 2**31 else -2)
        self._set_connect("happy_eyeballs_ms", "session_set_happy_eyeballs_ms", value)
        self._connect["happy_eyeballs_ms"] = ms

    @property
    def max_recv_speed(self):
        """Download cap in bytes per second for each transfer; None for none."""
        return self._connect["max_recv_speed"]

    @max_recv_speed.setter
    def max_recv_speed(self, value):
        self._set_connect("max_recv_speed", "session_set_max_recv_speed", _speed(value, "max_recv_speed"))
        self._connect["max_recv_speed"] = value

    @property
    def max_send_speed(self):
        """Upload cap in bytes per second for each transfer; None for none."""
        return self._connect["max_send_speed"]

    @max_send_speed.setter
    def max_send_speed(self, value):
        self._set_connect("max_send_speed", "session_set_max_send_speed", _speed(value, "max_send_speed"))
        self._connect["max_send_speed"] = value

    @property
    def doh_url(self):
        """https:// URL of a DNS-over-HTTPS server names are resolved with (verified as
        requests are); None for the system resolver."""
        return self._connect["doh_url"]

    @doh_url.setter
    def doh_url(self, url):
        self._set_connect("doh_url", "session_set_doh_url", cstr(url, "DoH URL"))
        self._connect["doh_url"] = url


def apply_request(native, req, spec):
    """A request's own unix_socket ("" for TCP), max_recv_speed and max_send_speed (0: no
    cap), when given."""
    check = exceptions.check
    if spec.unix_socket is not None:
        check(native.session_request_set_unix_socket(req, cstr(os.fspath(spec.unix_socket), "unix socket")), "unix_socket")
    if spec.max_recv_speed is not None:
        check(native.session_request_set_max_recv_speed(req, _speed(spec.max_recv_speed, "max_recv_speed")), "max_recv_speed")
    if spec.max_send_speed is not None:
        check(native.session_request_set_max_send_speed(req, _speed(spec.max_send_speed, "max_send_speed")), "max_send_speed")
