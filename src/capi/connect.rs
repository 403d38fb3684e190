//! How connections are made: public-key pins, Unix domain sockets, the local address and
//! port, the IP family, happy eyeballs, DNS-over-HTTPS and bandwidth caps
//! (docs/network.md, "Connections").

use crate::capi::request::session_request_t;
use crate::capi::session::session_t;
use crate::error::{session_code, Error, Result};
use crate::ffi::{guard_code, mut_arg, opt_str_arg, ref_arg};
use crate::net::connect::{self, IpResolve};
use crate::settings::Settings;
use crate::util::c_string;
use std::ffi::{c_char, c_int, c_long};

/// IP families for session_set_ip_resolve (passed as int and validated).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum session_ip_resolve {
    /// Addresses of either family (the default); happy eyeballs races IPv6 and IPv4.
    SESSION_IP_ANY = 0,
    /// IPv4 addresses only.
    SESSION_IP_V4 = 1,
    /// IPv6 addresses only.
    SESSION_IP_V6 = 2,
}

unsafe fn update(s: *const session_t, change: impl FnOnce(&mut Settings) -> Result<()>) -> session_code {
    guard_code(|| ref_arg(s, "session")?.update(change))
}

unsafe fn edit(req: *mut session_request_t, change: impl FnOnce(&mut crate::net::RequestNet) -> Result<()>) -> session_code {
    guard_code(|| change(&mut mut_arg(req, "request")?.net))
}

/// Pins the public key of every TLS server (each hop of a redirect, and an https://
/// proxy, whose pin must then be in the list too): `pin` is "sha256//<base64 SHA-256 of the DER public key>", several joined by
/// ';' (any may match), or the path of the key as a PEM or DER file (read at each
/// handshake). A server whose key matches no pin fails the request with SESSION_E_TLS and
/// a message saying that pinning failed; it is never retried. Pinning applies beside
/// verification (session_set_verify), not instead of it. NULL removes the pin. A pin that
/// is not "sha256//" plus 44 base64 characters, or a file that cannot be read, is
/// SESSION_E_INVALID_ARGUMENT. The string is copied.
#[no_mangle]
pub unsafe extern "C" fn session_set_pinned_public_key(s: *mut session_t, pin: *const c_char) -> session_code {
    update(s, |settings| {
        let pin = opt_str_arg(pin, "pin")?;
        if let Some(pin) = pin {
            connect::check_pin(pin)?;
        }
        settings.net.connect.pin = pin.map(|p| c_string(p.as_bytes()));
        Ok(())
    })
}

fn socket_arg(path: Option<&str>) -> Result<Option<std::ffi::CString>> {
    path.map(connect::check_unix_path).transpose()
}

/// Sends every request through the Unix domain socket at `path` (absolute, at most 107
/// bytes) instead of TCP: the URL's host still names the Host header and the cookies, and
/// TLS (https://) runs over the socket. No proxy is used. Connections to different socket
/// paths are never shared. NULL goes back to TCP. A relative path is
/// SESSION_E_INVALID_ARGUMENT. The URL form "http+unix://<percent-encoded path>/path"
/// does the same for one request (its host is "localhost"). The path is copied.
#[no_mangle]
pub unsafe extern "C" fn session_set_unix_socket(s: *mut session_t, path: *const c_char) -> session_code {
    update(s, |settings| {
        settings.net.unix_socket = socket_arg(opt_str_arg(path, "unix socket path")?)?;
        Ok(())
    })
}

/// Sends this request through a Unix domain socket, overriding the session's: `path` NULL
/// goes back to the session's, "" sends it over TCP even when the session has a socket,
/// and an absolute path (at most 107 bytes) is used as by session_set_unix_socket. The
/// path is copied.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_unix_socket(req: *mut session_request_t, path: *const c_char) -> session_code {
    edit(req, |net| {
        net.unix_socket = match opt_str_arg(path, "unix socket path")? {
            None => None,
            Some("") => Some(None),
            Some(path) => Some(socket_arg(Some(path))?),
        };
        Ok(())
    })
}

/// Makes connections from a local interface or address, as curl's --interface: "eth0"
/// (an interface name, else an address or host name), "if!eth0" (an interface only),
/// "host!name" (an address or host name only), "ifhost!eth0!192.0.2.1" (that address on
/// that interface) or an address such as "192.0.2.1". A request that cannot bind fails
/// with SESSION_E_CONNECT. NULL removes it. Another syntax (an unknown "x!" prefix, spaces,
/// an empty name) is SESSION_E_INVALID_ARGUMENT. Changing it closes the session's idle
/// connections. The string is copied.
#[no_mangle]
pub unsafe extern "C" fn session_set_interface(s: *mut session_t, interface: *const c_char) -> session_code {
    update(s, |settings| {
        settings.net.connect.interface = opt_str_arg(interface, "interface")?.map(connect::check_interface).transpose()?;
        Ok(())
    })
}

/// Binds connections to a local port from `port` to `port` + `range` - 1 (`range` 0 or 1:
/// `port` alone); a request finding none free fails with SESSION_E_CONNECT. `port` 0
/// removes it. A port outside 1..65535 or a range ending above 65535 is
/// SESSION_E_INVALID_ARGUMENT. Changing it closes the session's idle connections.
#[no_mangle]
pub unsafe extern "C" fn session_set_local_port_range(s: *mut session_t, port: c_int, range: c_int) -> session_code {
    update(s, |settings| {
        settings.net.connect.local_ports = connect::local_ports(i64::from(port), i64::from(range))?;
        Ok(())
    })
}

/// Resolves host names to addresses of one family (a session_ip_resolve: SESSION_IP_ANY,
/// the default, SESSION_IP_V4 or SESSION_IP_V6). A connection of the other family is
/// never reused for it: changing it closes the session's idle connections. Out-of-range
/// values are SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_set_ip_resolve(s: *mut session_t, family: c_int) -> session_code {
    update(s, |settings| {
        settings.net.connect.ip_resolve = match family {
            0 => IpResolve::Any,
            1 => IpResolve::V4,
            2 => IpResolve::V6,
            _ => return Err(Error::invalid(format!("{family} is not a session_ip_resolve"))),
        };
        Ok(())
    })
}

/// Sets the happy-eyeballs delay: how long a connection attempt to a host's IPv6 address
/// runs before one to its IPv4 address starts beside it (RFC 8305). Default 200 ms
/// (libcurl's); -1 restores it; other negatives are SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_set_happy_eyeballs_ms(s: *mut session_t, ms: c_long) -> session_code {
    update(s, |settings| {
        settings.net.connect.happy_eyeballs_ms = match ms {
            -1 => None,
            ms => Some(u32::try_from(ms).map_err(|_| Error::invalid("happy eyeballs delay is negative or too large"))?),
        };
        Ok(())
    })
}

/// Resolves host names with DNS-over-HTTPS at `url` (an https:// URL, e.g.
/// "https://dns.example/dns-query") instead of the system resolver. The DoH server is
/// verified as requests are (session_set_verify, session_set_ca_bundle,
/// session_set_ca_path); it is reached directly, never through a proxy, and
/// session_set_resolve entries still win. A lookup that fails is SESSION_E_RESOLVE. NULL
/// goes back to the system resolver. A URL that is not https:// is
/// SESSION_E_INVALID_ARGUMENT. Changing it closes the session's idle connections. The
/// string is copied.
#[no_mangle]
pub unsafe extern "C" fn session_set_doh_url(s: *mut session_t, url: *const c_char) -> session_code {
    update(s, |settings| {
        settings.net.connect.doh_url = opt_str_arg(url, "DoH URL")?.map(connect::check_doh_url).transpose()?;
        Ok(())
    })
}

/// Caps the download speed of each transfer at `bytes_per_s` (averaged over the transfer,
/// as libcurl does); 0 (the default) means no cap; negative is SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_set_max_recv_speed(s: *mut session_t, bytes_per_s: i64) -> session_code {
    update(s, |settings| {
        settings.net.max_speed.0 = connect::speed(bytes_per_s, "receive speed")?;
        Ok(())
    })
}

/// Caps the upload speed of each transfer at `bytes_per_s`, as session_set_max_recv_speed.
#[no_mangle]
pub unsafe extern "C" fn session_set_max_send_speed(s: *mut session_t, bytes_per_s: i64) -> session_code {
    update(s, |settings| {
        settings.net.max_speed.1 = connect::speed(bytes_per_s, "send speed")?;
        Ok(())
    })
}

fn request_speed(bytes_per_s: i64, what: &str) -> Result<Option<u64>> {
    match bytes_per_s {
        -1 => Ok(None),
        n => connect::speed(n, what).map(Some),
    }
}

/// Caps this request's download speed, overriding the session's: 0 means no cap, -1 goes
/// back to the session's, other negatives are SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_max_recv_speed(req: *mut session_request_t, bytes_per_s: i64) -> session_code {
    edit(req, |net| {
        net.max_speed.0 = request_speed(bytes_per_s, "receive speed")?;
        Ok(())
    })
}

/// Caps this request's upload speed, as session_request_set_max_recv_speed.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_max_send_speed(req: *mut session_request_t, bytes_per_s: i64) -> session_code {
    edit(req, |net| {
        net.max_speed.1 = request_speed(bytes_per_s, "send speed")?;
        Ok(())
    })
}
