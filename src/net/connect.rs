//! How connections are made, as plain data with the checks of their setters: public-key
//! pins, Unix domain sockets (and the `http+unix://` URL form), the local address and
//! port, the IP family, happy eyeballs, DNS-over-HTTPS and bandwidth caps (docs/network.md).

use crate::error::{Error, Result};
use crate::util::c_string;
use std::ffi::CString;

/// The longest Unix socket path libcurl can use (sockaddr_un's sun_path, less its NUL).
pub(crate) const MAX_UNIX_PATH: usize = 107;

/// Which IP family names resolve to (CURLOPT_IPRESOLVE).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IpResolve {
    #[default]
    Any,
    V4,
    V6,
}

/// The session settings that shape a connection and that libcurl's connection matching
/// does not fully tell apart (an unbound request may reuse a bound connection, an
/// any-family request a v6 one): a change closes the session's pooled connections
/// (session::Session::update), so no connection made under one value serves another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectSettings {
    /// CURLOPT_PINNEDPUBLICKEY and CURLOPT_PROXY_PINNEDPUBLICKEY (https proxies).
    pub pin: Option<CString>,
    /// CURLOPT_INTERFACE: "name", "if!name", "host!name", "ifhost!if!host" or an address.
    pub interface: Option<CString>,
    /// CURLOPT_LOCALPORT and CURLOPT_LOCALPORTRANGE; None binds any port.
    pub local_ports: Option<(u16, u16)>,
    pub ip_resolve: IpResolve,
    /// CURLOPT_HAPPY_EYEBALLS_TIMEOUT_MS; None leaves libcurl's 200 ms.
    pub happy_eyeballs_ms: Option<u32>,
    /// CURLOPT_DOH_URL (https only).
    pub doh_url: Option<CString>,
}

/// Checks a pin as CURLOPT_PINNEDPUBLICKEY takes it: "sha256//<base64 of 32 bytes>",
/// several joined by ';', or the path of a PEM or DER public key file that can be read
/// (at most 1 MiB, libcurl's cap).
pub fn check_pin(pin: &str) -> Result<()> {
    crate::util::check_no_ctl(pin, "pin")?;
    if pin.is_empty() {
        return Err(Error::invalid("pin is empty"));
    }
    if !pin.starts_with("sha256//") {
        let meta = std::fs::metadata(pin).map_err(|e| Error::invalid(format!("pin {pin:?} is not \"sha256//...\" and not a readable key file: {e}")))?;
        if !meta.is_file() || meta.len() == 0 || meta.len() > 1 << 20 {
            return Err(Error::invalid(format!("pin file {pin:?} is not a key file (empty, over 1 MiB or not a file)")));
        }
        return Ok(());
    }
    use base64::Engine;
    for part in pin.split(';') {
        let Some(hash) = part.strip_prefix("sha256//") else {
            return Err(Error::invalid(format!("pin {part:?} does not start with \"sha256//\"")));
        };
        match base64::engine::general_purpose::STANDARD.decode(hash) {
            Ok(bytes) if bytes.len() == 32 => {}
            _ => return Err(Error::invalid(format!("pin {part:?} is not the base64 of a SHA-256 hash (44 characters)"))),
        }
    }
    Ok(())
}

/// Checks a Unix socket path: absolute, no control bytes, at most MAX_UNIX_PATH bytes.
pub fn check_unix_path(path: &str) -> Result<CString> {
    crate::util::check_no_ctl(path, "unix socket path")?;
    if !path.starts_with('/') {
        return Err(Error::invalid(format!("unix socket path {path:?} is not absolute")));
    }
    if path.len() > MAX_UNIX_PATH {
        return Err(Error::invalid(format!("unix socket path is over {MAX_UNIX_PATH} bytes")));
    }
    Ok(c_string(path.as_bytes()))
}

/// Checks CURLOPT_INTERFACE's syntax: an interface name, address or host name, or one
/// with the prefix "if!" (interface only), "host!" (address or host name only) or
/// "ifhost!<interface>!<host>".
pub fn check_interface(value: &str) -> Result<CString> {
    let bad = || Error::invalid(format!("interface {value:?} is not \"name\", \"if!name\", \"host!name\", \"ifhost!if!host\" or an address"));
    let word = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_graphic() && b != b'!');
    let ok = match value.split_once('!') {
        None => word(value),
        Some(("if" | "host", rest)) => word(rest),
        Some(("ifhost", rest)) => rest.split_once('!').is_some_and(|(i, h)| word(i) && word(h)),
        Some(_) => false,
    };
    if !ok {
        return Err(bad());
    }
    Ok(c_string(value.as_bytes()))
}

/// Local port and range from C: port 0 clears; otherwise 1..=65535 with `range` ports
/// (0 or 1: that port alone) that must end at or below 65535.
pub fn local_ports(port: i64, range: i64) -> Result<Option<(u16, u16)>> {
    if port == 0 {
        return Ok(None);
    }
    let port = u16::try_from(port).map_err(|_| Error::invalid("local port is outside 0..65535"))?;
    let range = u16::try_from(range.max(1)).map_err(|_| Error::invalid("local port range is negative or over 65535"))?;
    if u32::from(port) + u32::from(range) - 1 > 65535 {
        return Err(Error::invalid("local port range ends above 65535"));
    }
    Ok(Some((port, range)))
}

/// Checks a DoH URL: an absolute https:// URL with a host.
pub fn check_doh_url(value: &str) -> Result<CString> {
    crate::util::check_no_ctl(value, "DoH URL")?;
    let url = url::Url::parse(value).map_err(|e| Error::invalid(format!("DoH URL {value:?}: {e}")))?;
    if url.scheme() != "https" || url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(format!("DoH URL {value:?} is not an https:// URL with a host")));
    }
    Ok(c_string(value.as_bytes()))
}

/// A speed cap in bytes per second from C: 0 means none, negative is refused.
pub fn speed(bytes_per_s: i64, what: &str) -> Result<u64> {
    u64::try_from(bytes_per_s).map_err(|_| Error::invalid(format!("{what} is negative")))
}

/// Splits an `http+unix://<percent-encoded socket path>/path?query` URL (the form of
/// requests-unixsocket) into the URL that is requested, `http://localhost/path?query`,
/// and the socket path. Ok(None) for any other URL; an http+unix URL whose socket path is
/// not absolute is an invalid URL.
pub fn split_unix_url(raw: &str) -> Result<Option<(String, CString)>> {
    const SCHEME: &str = "http+unix://";
    // Bytes, not str: the URL may hold a multi-byte character within the first 12 bytes.
    if raw.len() < SCHEME.len() || !raw.as_bytes()[..SCHEME.len()].eq_ignore_ascii_case(SCHEME.as_bytes()) {
        return Ok(None);
    }
    let rest = &raw[SCHEME.len()..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (socket, tail) = rest.split_at(end);
    let decoded = percent_encoding::percent_decode_str(socket)
        .decode_utf8()
        .map_err(|_| Error::invalid_url(format!("{raw:?}: the socket path is not UTF-8")))?;
    let path = check_unix_path(&decoded).map_err(|e| Error::invalid_url(format!("{raw:?}: {}", e.message)))?;
    let tail = if tail.starts_with('/') { tail.to_owned() } else { format!("/{tail}") };
    Ok(Some((format!("http://localhost{tail}"), path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins() {
        let good = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        assert!(check_pin(good).is_ok());
        assert!(check_pin(&format!("{good};{good}")).is_ok());
        for bad in ["", "sha256//", "sha256//abc", &format!("{good};"), &format!("{good};md5//x"), "/nonexistent/key.pem", "sha1//AAAA"] {
            assert!(check_pin(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn interfaces() {
        for good in ["eth0", "if!lo", "host!localhost", "192.0.2.1", "::1", "ifhost!lo!127.0.0.1"] {
            assert!(check_interface(good).is_ok(), "{good:?}");
        }
        for bad in ["", "if!", "host!", "dev!eth0", "ifhost!lo", "ifhost!!x", "a b", "eth0\n"] {
            assert!(check_interface(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ports_and_speeds() {
        assert_eq!(local_ports(0, 5).unwrap(), None);
        assert_eq!(local_ports(40000, 0).unwrap(), Some((40000, 1)));
        assert_eq!(local_ports(65535, 1).unwrap(), Some((65535, 1)));
        assert!(local_ports(65535, 2).is_err());
        assert!(local_ports(-1, 1).is_err());
        assert!(local_ports(70000, 1).is_err());
        assert!(speed(-1, "x").is_err());
        assert_eq!(speed(0, "x").unwrap(), 0);
    }

    #[test]
    fn unix_urls() {
        let (url, path) = split_unix_url("http+unix://%2Fvar%2Frun%2Fdocker.sock/v1.45/info?x=1").unwrap().unwrap();
        assert_eq!((url.as_str(), path.to_str().unwrap()), ("http://localhost/v1.45/info?x=1", "/var/run/docker.sock"));
        let (url, _) = split_unix_url("HTTP+UNIX://%2Ftmp%2Fs").unwrap().unwrap();
        assert_eq!(url, "http://localhost/");
        assert!(split_unix_url("http://localhost/").unwrap().is_none());
        assert!(split_unix_url("http://é.example/").unwrap().is_none()); // found by the fuzz corpus
        assert!(split_unix_url("http+unix://relative.sock/").is_err());
        assert!(split_unix_url("http+unix://%2Ftmp%0A/").is_err());
    }

    #[test]
    fn doh_urls() {
        assert!(check_doh_url("https://127.0.0.1:8443/dns-query").is_ok());
        for bad in ["http://127.0.0.1/dns-query", "dns.example", "https://", ""] {
            assert!(check_doh_url(bad).is_err(), "{bad:?}");
        }
    }
}
